#if canImport(Glibc)
import Glibc
#endif

/// Read-only bytes of a file mapped into memory (or, for tests, owned bytes).
///
/// The mapping lives as long as this object; tensor data is read in place, never copied.
public final class MappedFile: @unchecked Sendable {
    // @unchecked: the bytes are never written after init, so sharing them across threads is safe.
    public let path: String
    public let base: UnsafeRawPointer
    public let count: Int
    private let isMapped: Bool

    /// Maps `path` read-only. Throws `GGUFError` naming the file when it cannot be opened or is not a regular file.
    public init(path: String) throws(GGUFError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw GGUFError(path: path, problem: .cannotOpen(reason: String(cString: strerror(errno))))
        }
        defer { close(fd) }  // the mapping stays valid after close
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw GGUFError(path: path, problem: .cannotOpen(reason: String(cString: strerror(errno))))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError(path: path, problem: .notAFile) }
        guard st.st_size > 0 else { throw GGUFError(path: path, problem: .empty) }
        let size = Int(st.st_size)
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw GGUFError(path: path, problem: .cannotOpen(reason: "mmap failed: \(String(cString: strerror(errno)))"))
        }
        self.base = UnsafeRawPointer(p)
        self.count = size
        self.isMapped = true
    }

    /// Owned copy of `bytes`, presented as if it were a file called `name` (tests, in-memory files).
    public init(bytes: [UInt8], name: String = "<memory>") {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { if let b = $0.baseAddress { p.copyMemory(from: b, byteCount: bytes.count) } }
        self.path = name
        self.base = UnsafeRawPointer(p)
        self.count = bytes.count
        self.isMapped = false
    }

    /// Drops the pages of `range` (whole pages inside it) from this process's memory, for bytes that
    /// were copied elsewhere: resident memory no longer counts them, and touching them again reads them
    /// back from the file. Owned (unmapped) bytes are kept.
    public func releasePages(_ range: UnsafeRawBufferPointer) {
        guard isMapped, let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page, end = (Int(bitPattern: start) + range.count) / page * page
        if end > first { madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, MADV_DONTNEED) }
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
