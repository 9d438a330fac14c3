import Glibc

/// A value behind a pthread mutex, for the worker's mailboxes.
///
/// Not `Synchronization.Mutex`: on Linux that hands a contended lock over through the kernel (priority-
/// inheritance futexes), a hand-off ThreadSanitizer cannot see, so `make sanitize` reported the
/// worker's inbox as a data race whenever the UI thread and the worker met at the lock. A pthread mutex
/// is what the sanitizer intercepts.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched between lock and unlock.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>  // allocated: a mutex must not move
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
