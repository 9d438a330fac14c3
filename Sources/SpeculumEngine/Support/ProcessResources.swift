import Foundation

/// This process's resident memory and open file descriptors, from /proc (zeros where there is none):
/// what the long-run checks compare between warm-up and the end of a generation.
public struct ProcessResources: Codable, Sendable, Equatable {
    public var residentBytes: Int
    public var openFiles: Int

    public static func current() -> ProcessResources {
        // statm: size resident shared … in pages.
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ")
        let pages = statm.flatMap { $0.count > 1 ? Int($0[1]) : nil } ?? 0
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 0
        // The directory listing itself holds one descriptor while it runs.
        return ProcessResources(residentBytes: pages * Int(sysconf(Int32(_SC_PAGESIZE))), openFiles: max(0, files - 1))
    }
}
