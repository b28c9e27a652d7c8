import EdgeSystem
import Synchronization
import TestSupport
import Testing

/// The state directory's lock: one holder at a time; a waiting acquire gets it once the
/// holder lets go, and gives up after its patience naming the holder.
@Suite struct DirectoryLockTests {
    @Test func aSecondHolderIsRefusedNamingTheFirst() throws {
        let directory = try Fixtures.scratchDirectory("lock")
        let first = try DirectoryLock.acquire(directory: directory)
        #expect(DirectoryLock.isHeld(directory: directory))
        do {
            _ = try DirectoryLock.acquire(directory: directory, patience: .milliseconds(30))
            Issue.record("taken twice")
        } catch {
            #expect("\(error)".contains("process \(getpid())"))
        }
        withExtendedLifetime(first) {}
    }

    @Test func aWaitingAcquireGetsTheLockOnceItIsLetGo() async throws {
        let directory = try Fixtures.scratchDirectory("lock")
        let holder = Mutex<DirectoryLock?>(try DirectoryLock.acquire(directory: directory))
        let waiting = Task.detached { try DirectoryLock.acquire(directory: directory, patience: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        holder.withLock { $0 = nil }  // closes the descriptor: the lock is free
        let taken = try await waiting.value
        #expect(taken.path == "\(directory)/.lock")
    }
}
