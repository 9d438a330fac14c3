import CKernels
import Foundation

/// The persistent worker threads that split matrix products and attention (one per core by default).
/// Contexts on different threads may share a pool: their jobs take turns.
public final class ComputePool: @unchecked Sendable {
    // @unchecked: the C pool serialises its callers with a lock around each job.
    let raw: OpaquePointer
    public let threads: Int

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.threads = max(1, threads)
        raw = ck_pool_create(Int32(self.threads))
    }

    deinit { ck_pool_destroy(raw) }

    /// The SIMD level the kernels dispatch to ("avx2" or "scalar").
    public static var simd: String { String(cString: ck_simd_name()) }

    /// A pool sized to the machine, shared by default.
    public static let shared = ComputePool()
}
