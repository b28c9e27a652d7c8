import EdgeSystem
import Testing

@Suite struct ThreadingTests {
    @Test func signalledWakeupReturnsAtOnce() throws {
        let wakeup = try Wakeup()
        #expect(!wakeup.isSignalled)
        #expect(!wakeup.wait(timeout: .zero))
        #expect(!wakeup.wait(timeout: .nanoseconds(-5)))
        wakeup.signal()
        #expect(wakeup.isSignalled)
        #expect(wakeup.wait(timeout: .zero))
        // Still signalled for every later waiter; a timeout of centuries is never reached.
        #expect(wakeup.wait(timeout: .seconds(Int64.max)))
        #expect(wakeup.wait(timeout: .seconds(1)))
    }

    @Test func wakeupCrossesThreads() async throws {
        let wakeup = try Wakeup()
        let executor = ThreadExecutor(name: "wakeup-test")
        defer { executor.shutdown() }
        await withTaskExecutorPreference(executor) { wakeup.signal() }
        #expect(wakeup.wait(timeout: .zero))
    }

    @Test func hugeDurationsSaturate() {
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
        #expect(Duration.milliseconds(1500).nanoseconds == 1_500_000_000)
        #expect(Duration.nanoseconds(-7).nanoseconds == -7)
    }

    @Test func threadExecutorRunsTasksOnItsOwnThread() async throws {
        let testThread = pthread_self()
        let executor = ThreadExecutor(name: "edge-test-exec")
        defer { executor.shutdown() }
        let (threads, name) = await withTaskExecutorPreference(executor) {
            var seen: [pthread_t] = [pthread_self()]
            for _ in 0..<3 {
                await Task.yield()
                seen.append(pthread_self())
            }
            return (seen, try? FileSystem.readFile("/proc/thread-self/comm"))
        }
        #expect(threads.allSatisfy { pthread_equal($0, testThread) == 0 })
        #expect(threads.allSatisfy { pthread_equal($0, threads[0]) != 0 }, "one thread throughout")
        #expect(name.map { String(decoding: $0, as: UTF8.self) } == "edge-test-exec\n")
    }

    @Test func longNamesAreCutAtACharacterBoundary() async throws {
        // The kernel keeps 15 bytes; the 15th here is the first half of "é".
        let executor = ThreadExecutor(name: "camera-12-entrée")
        defer { executor.shutdown() }
        #expect(executor.name == "camera-12-entrée")
        let name = await withTaskExecutorPreference(executor) { try? FileSystem.readFile("/proc/thread-self/comm") }
        #expect(name.map { String(decoding: $0, as: UTF8.self) } == "camera-12-entr\n")
    }

    @Test func monotonicTimeNeverGoesBack() {
        let time = SystemTime()
        var last = time.monotonicNow()
        for _ in 0..<10_000 {
            let now = time.monotonicNow()
            #expect(now >= last)
            last = now
        }
        #expect(last.nanoseconds > 0)
        #expect(time.wallNow().nanosecondsSinceEpoch > 1_700_000_000 * 1_000_000_000)
    }

    @Test func systemTimeWaitReturnsAtOnceWhenStopped() throws {
        let stop = try Wakeup()
        let time = SystemTime()
        #expect(!time.wait(until: time.monotonicNow() + .seconds(-1), orStop: stop))
        stop.signal()
        #expect(time.wait(until: time.monotonicNow() + .seconds(3600), orStop: stop))
        #expect(time.wait(until: MonotonicInstant(nanoseconds: 0), orStop: stop))
    }
}
