#if canImport(Glibc)
import Glibc
#endif
import ControlSocket
import EdgeJSON
import EdgeSystem
import Synchronization
import Testing
import TestSupport

/// The control socket speaks HTTP/1.1 fully: pipelined requests answered in order, an
/// answer for a request followed by garbage before the 400, half-closed clients answered,
/// `Host` required once, HTTP/1.0 refused, bodies only as JSON. And every answer matches
/// what was done: the responder counts the requests it saw.
@Suite(.serialized) struct HTTPConformanceTests {
    /// Answers with the path and counts the requests it carried out.
    final class Counter: ControlResponder {
        let done = Mutex<[String]>([])
        func respond(to request: ControlRequest) async -> ControlResponse {
            done.withLock { $0.append("\(request.method) \(request.path)") }
            return .json(.object([("path", .string(request.path))]))
        }
    }

    func start(_ responder: Counter) throws -> ControlServer {
        let dir = try Fixtures.scratchDirectory("control-http")
        return try ControlServer.start(
            .init(path: "\(dir)/control.sock", access: AccessPolicy(groupName: "edge-admin", groupID: nil)),
            responder: responder, log: { _ in })
    }

    static func request(_ method: String, _ path: String, body: String = "", headers: String = "Host: edge\r\nContent-Type: application/json\r\n") -> String {
        "\(method) \(path) HTTP/1.1\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// Sends `bytes` on a new connection to a new server, half-closes, reads until the
    /// server closes: what came back, and the requests carried out.
    func sendThenHalfClose(_ bytes: [UInt8]) throws -> (answer: String, done: [String]) {
        let counter = Counter()
        let server = try start(counter)
        defer { server.stop() }
        let client = try RawClient(server.configuration.path)
        #expect(client.write(bytes))
        shutdown(client.fd, Int32(SHUT_WR))
        let answer = client.readToEnd()
        return (answer, counter.done.withLock { $0 })
    }

    /// The status lines of every answer in `text`, in order.
    static func statuses(_ text: String) -> [String] {
        lines(text).filter { $0.hasPrefix("HTTP/1.1 ") }.map { String($0.dropFirst(9).prefix(3)) }
    }

    static func lines(_ text: String) -> [String] {
        // By bytes: "\r\n" is one Character in Swift.
        text.utf8.split(separator: 10).map { line in String(decoding: line.last == 13 ? line.dropLast() : line[...], as: UTF8.self) }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let counter = Counter()
        let server = try start(counter)
        defer { server.stop() }
        let client = try RawClient(server.configuration.path)
        let three = Self.request("GET", "/a") + Self.request("POST", "/b", body: "{}")
            + Self.request("GET", "/c", headers: "Host: edge\r\nConnection: close\r\n")
        let answer = try client.exchange(Array(three.utf8))
        #expect(Self.statuses(answer) == ["200", "200", "200"], "\(answer)")
        let paths = Self.lines(answer).filter { $0.hasPrefix("{") }
        #expect(paths == [#"{"path":"/a"}"#, #"{"path":"/b"}"#, #"{"path":"/c"}"#])
        #expect(counter.done.withLock { $0 } == ["GET /a", "POST /b", "GET /c"])
    }

    @Test func aChangeFollowedByGarbageIsAnsweredBeforeThe400() throws {
        let counter = Counter()
        let server = try start(counter)
        defer { server.stop() }
        let client = try RawClient(server.configuration.path)
        let answer = try client.exchange(Array((Self.request("POST", "/v1/segments/hold", body: "{}") + "GARBAGE\r\n\r\n").utf8))
        #expect(Self.statuses(answer) == ["200", "400"], "\(answer.debugDescription)")
        #expect(counter.done.withLock { $0 } == ["POST /v1/segments/hold"])
    }

    /// A request, the first byte of another, then a half-close (found by fuzz-control):
    /// the first is answered before the cut-short second is refused.
    @Test func aRequestFollowedByAPartialOneAndAHalfCloseIsAnswered() throws {
        let (answer, done) = try sendThenHalfClose(Array((Self.request("POST", "/v1/segments/hold", body: "{}") + "}").utf8))
        #expect(Self.statuses(answer).first == "200", "\(answer.debugDescription)")
        #expect(done == ["POST /v1/segments/hold"])
    }

    /// Three pipelined requests and a half-close in one write (found by fuzz-control):
    /// all three answered, the last one too.
    @Test func pipelinedRequestsBeforeAHalfCloseAreAllAnswered() throws {
        let three = Self.request("GET", "/a") + Self.request("GET", "/b") + Self.request("GET", "/c")
        let (answer, done) = try sendThenHalfClose(Array(three.utf8))
        #expect(Self.statuses(answer) == ["200", "200", "200"], "\(answer.debugDescription)")
        #expect(done == ["GET /a", "GET /b", "GET /c"])
    }

    /// A request, a pipelined one refused before it is carried out (no Host), then a
    /// half-close (found by fuzz-control): the half-close reaches the server while the
    /// refusal is still being written, and both answers still go out before it closes.
    @Test func anAnswerAndARefusalBeforeAHalfCloseBothGoOut() throws {
        let two = Self.request("GET", "/a") + Self.request("GET", "/b", headers: "Hots: edge\r\n")
        let (answer, done) = try sendThenHalfClose(Array(two.utf8))
        #expect(Self.statuses(answer) == ["200", "400"], "\(answer.debugDescription)")
        #expect(done == ["GET /a"])
    }

    /// A request, then a header the parser refuses with more bytes after it than one read
    /// takes, then a half-close (found by fuzz-control): the refusal waits for the first
    /// answer, but each later read is reported at once as "data received in error state";
    /// the answer and the 400 both go out.
    @Test func bytesAfterARefusedHeaderDoNotDropTheAnswerInProgress() throws {
        // Longer than one read (NIO's first read takes 2 048 bytes): the parser fails in the
        // first read, the rest comes in a second.
        let refused = Array("GET /b HTTP/1.1\r\nHo".utf8) + [UInt8](repeating: 0xFF, count: 3000) + Array(": edge\r\n\r\n".utf8)
        let bytes = Array(Self.request("GET", "/a").utf8) + refused
        let (answer, done) = try sendThenHalfClose(bytes)
        #expect(Self.statuses(answer) == ["200", "400"], "\(answer.debugDescription)")
        #expect(done == ["GET /a"])
    }

    @Test func aHalfClosedClientGetsItsAnswer() throws {
        let (answer, done) = try sendThenHalfClose(Array(Self.request("POST", "/v1/segments/release", body: "{}").utf8))
        #expect(Self.statuses(answer) == ["200"], "\(answer)")
        #expect(done == ["POST /v1/segments/release"])
    }

    @Test(arguments: [
        ("GET /v1/status HTTP/1.1\r\n\r\n", "400", "no Host header"),
        ("GET /v1/status HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400", "2 Host headers"),
        ("GET /v1/status HTTP/1.0\r\nHost: a\r\n\r\n", "400", "send HTTP/1.1"),
        ("POST /v1/config/validate HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}", "415", "text/plain is not accepted"),
        ("POST /v1/config/validate HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}", "415", "needs Content-Type"),
        ("POST /v1/config/validate HTTP/1.1\r\nHost: a\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}", "200", "/v1/config/validate"),
    ])
    func requestsOutsideHTTP11AreRefusedUnperformed(raw: String, status: String, says: String) throws {
        let (answer, done) = try sendThenHalfClose(Array(raw.utf8))
        #expect(Self.statuses(answer) == [status], "\(answer)")
        #expect(answer.contains(says), "\(answer)")
        #expect(done.count == (status == "200" ? 1 : 0))
    }
}
