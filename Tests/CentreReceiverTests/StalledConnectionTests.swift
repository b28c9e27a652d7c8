import CentreReceiver
import NIOCore
import Synchronization
import Testing

/// A connection that goes quiet mid-body must not hold its segment for hours: the stall
/// timeout closes it, and a newer request for the same segment closes the older one.
/// Either way, what arrived is kept and the gateway resumes from it.
@Suite struct StalledConnectionTests {
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// A body that sends `first` bytes, then nothing until its connection is closed.
    final class QuietBody: Sendable {
        let stream: AsyncThrowingStream<ByteBuffer, any Error>
        let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
        let closed = Flag()

        init(_ first: [UInt8]) {
            (stream, continuation) = AsyncThrowingStream.makeStream()
            continuation.yield(ByteBuffer(bytes: first))
        }

        var close: SegmentReceiver.CloseConnection {
            { [self] in
                closed.set()
                continuation.finish(throwing: Chunks.Cut())
            }
        }
    }

    @Test func aQuietBodyIsClosedAfterTheStallTimeoutAndKept() async throws {
        let f = try UploadFixture(bodyStallTimeout: .milliseconds(300))
        let s = try f.segment(size: 5000)
        let body = QuietBody(Array(s.ciphertext[..<1000]))
        let reply = await f.receiver.putSegment(f.key(s), headers: f.headers(s), body: body.stream, close: body.close)
        #expect(body.closed.isSet)
        #expect(reply.status == 500)
        #expect(f.events.all.contains { $0.hasPrefix("event=stalled") })
        #expect(await f.receiver.head(f.key(s)) == Reply(status: 200, offset: 1000))
    }

    @Test func aNewerRequestClosesTheOlderOne() async throws {
        let f = try UploadFixture()
        let s = try f.segment(size: 5000)
        let key = f.key(s)
        let body = QuietBody(Array(s.ciphertext[..<1000]))
        let reading = Flag()
        let (receiver, headers) = (f.receiver, f.headers(s))
        let older = Task {
            await receiver.putSegment(key, headers: headers, body: body.stream, close: body.close) {
                reading.set()
            }
        }
        for _ in 0..<500 where !reading.isSet { try await Task.sleep(for: .milliseconds(10)) }
        try #require(reading.isSet)
        let newer = await f.receiver.putSegment(key, headers: f.headers(s, offset: 1000), body: Chunks(Array(s.ciphertext[1000...])))
        #expect(newer.status == 503 && newer.retryAfter == 1)
        #expect(body.closed.isSet)
        _ = await older.value
        #expect(f.events.all.contains { $0.hasPrefix("event=superseded") })
        let retried = await f.receiver.putSegment(key, headers: f.headers(s, offset: 1000), body: Chunks(Array(s.ciphertext[1000...])))
        #expect(retried.status == 200)
    }
}
