#if canImport(Glibc)
import Glibc
#endif
@testable import ControlClient
import ControlSocket
import EdgeJSON
import EdgeSystem
import Testing
import TestSupport

/// The control socket over a real Unix socket: requests reach the responder with the
/// peer's credentials; bad, oversized, slow and surplus clients get a clear JSON answer
/// (or are closed) and the server goes on answering others.
@Suite(.serialized) struct ControlServerTests {
    struct Echo: ControlResponder {
        func respond(to request: ControlRequest) async -> ControlResponse {
            .json(
                .object([
                    ("method", .string(request.method)), ("path", .string(request.path)),
                    ("query", .object(request.query.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ("bytes", .number(String(request.body.count))), ("uid", .number(String(request.peer.uid))),
                    ("pid", .number(String(request.peer.pid))),
                ]))
        }
    }

    func start(
        maxClients: Int = 8, maxBodyBytes: Int = 1 << 20, requestTimeout: Duration = .seconds(10),
        access: AccessPolicy = AccessPolicy(groupName: "edge-admin", groupID: nil)
    ) throws -> ControlServer {
        let dir = try Fixtures.scratchDirectory("control")
        return try ControlServer.start(
            .init(
                path: "\(dir)/control.sock", access: access, maxClients: maxClients, maxBodyBytes: maxBodyBytes,
                requestTimeout: requestTimeout),
            responder: Echo(), log: { _ in })
    }

    func json(_ response: ControlClient.Response) throws -> JSONValue { try JSONParser.parse(response.body) }

    @Test func answersWithThePeersCredentials() throws {
        let server = try start()
        defer { server.stop() }
        let client = ControlClient(socketPath: server.configuration.path)
        let response = try client.get("/v1/status?camera=gate%201&state=held")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        let body = try json(response)
        #expect(body["path"] == .string("/v1/status"))
        #expect(body["query"]?["camera"] == .string("gate 1"))
        #expect(body["uid"] == .number(String(getuid())))
        #expect(body["pid"] == .number(String(getpid())))
        let posted = try client.post("/v1/segments/hold", json: Array(repeating: 65, count: 5000))
        #expect(try json(posted)["bytes"] == .number("5000"))
    }

    @Test func theSocketIsMode0660() throws {
        let server = try start()
        defer { server.stop() }
        var info = stat()
        #expect(lstat(server.configuration.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
    }

    @Test func anOversizedBodyIs413() throws {
        let server = try start(maxBodyBytes: 1024)
        defer { server.stop() }
        let client = ControlClient(socketPath: server.configuration.path)
        let response = try client.post("/v1/config", json: Array(repeating: 32, count: 100_000))
        #expect(response.status == 413)
        #expect(response.text.contains("at most 1024"))
        #expect(try client.get("/v1/status").status == 200)
    }

    @Test func garbageIs400() throws {
        let server = try start()
        defer { server.stop() }
        let answer = try RawClient(server.configuration.path).exchange(Array("HELLO THERE\r\n\r\n".utf8))
        #expect(answer.hasPrefix("HTTP/1.1 400"))
        #expect(answer.contains("not a valid HTTP/1.1 request"))
    }

    @Test func aClientSendingOneByteAtATimeIsCutOff() throws {
        let server = try start(requestTimeout: .milliseconds(600))
        defer { server.stop() }
        let raw = try RawClient(server.configuration.path)
        let started = SystemTime().monotonicNow()
        var answer = ""
        for byte in Array("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n".utf8) {
            guard raw.write([byte]) else { break }
            usleep(100_000)
            if let partial = raw.readAvailable(), !partial.isEmpty { answer += partial; break }
        }
        answer += raw.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 408"))
        #expect(SystemTime().monotonicNow() - started < .seconds(3))
        #expect(try ControlClient(socketPath: server.configuration.path).get("/v1/status").status == 200)
    }

    @Test func surplusClientsAre503() throws {
        let server = try start(maxClients: 2)
        defer { server.stop() }
        let a = try RawClient(server.configuration.path)
        let b = try RawClient(server.configuration.path)
        let answer = try RawClient(server.configuration.path).exchange([])
        #expect(answer.hasPrefix("HTTP/1.1 503"))
        a.close()
        b.close()
        // Until the server has counted both closes (bounded): then a client gets in again.
        for _ in 0..<500 where server.connectedClients > 0 { usleep(10_000) }
        #expect(server.connectedClients == 0)
        #expect(try ControlClient(socketPath: server.configuration.path).get("/v1/status").status == 200)
    }

    @Test func aStaleSocketIsReplacedButNoOtherFile() throws {
        let dir = try Fixtures.scratchDirectory("control-stale")
        let path = "\(dir)/control.sock"
        let first = try ControlServer.start(
            .init(path: path, access: AccessPolicy(groupName: "edge-admin", groupID: nil)), responder: Echo(), log: { _ in })
        first.stop()
        // A crash leaves the socket file behind.
        try RawClient.abandonSocket(at: path)
        let second = try ControlServer.start(
            .init(path: path, access: AccessPolicy(groupName: "edge-admin", groupID: nil)), responder: Echo(), log: { _ in })
        second.stop()
        try Fixtures.write([1, 2, 3], to: "\(dir)/config.json")
        #expect(throws: ControlSocketError.self) {
            try ControlServer.start(
                .init(path: "\(dir)/config.json", access: AccessPolicy(groupName: "edge-admin", groupID: nil)),
                responder: Echo(), log: { _ in })
        }
        #expect(try FileSystem.readFile("\(dir)/config.json") == [1, 2, 3])
    }

    @Test func theDaemonNotRunningIsSaidPlainly() {
        #expect(throws: ControlClientError.self) { try ControlClient(socketPath: "/nonexistent/control.sock").get("/v1/status") }
        do { _ = try ControlClient(socketPath: "/nonexistent/control.sock").get("/v1/status") } catch {
            #expect(error.description.contains("edge-recorderd is not running"))
        }
    }

    @Test func accessPolicy() {
        let policy = AccessPolicy(groupName: "edge-admin", groupID: 990)
        let none: (Int32) -> [UInt32]? = { _ in [] }
        #expect(policy.refusal(for: PeerCredentials(pid: 1, uid: 0, gid: 0), supplementaryGroups: none) == nil)
        #expect(policy.refusal(for: PeerCredentials(pid: 1, uid: 1000, gid: 990), supplementaryGroups: none) == nil)
        #expect(policy.refusal(for: PeerCredentials(pid: 1, uid: 1000, gid: 1000), supplementaryGroups: { _ in [20, 990] }) == nil)
        let refused = policy.refusal(for: PeerCredentials(pid: 1, uid: 1000, gid: 1000), supplementaryGroups: { _ in [20] })
        #expect(refused?.contains("neither root nor in group edge-admin") == true)
        let noGroup = AccessPolicy(groupName: "edge-admin", groupID: nil)
        #expect(noGroup.refusal(for: PeerCredentials(pid: 1, uid: 1000, gid: 1000), supplementaryGroups: none)?.contains("does not exist") == true)
        #expect(AccessPolicy.supplementaryGroups(of: getpid()) != nil)
    }

    /// A uid outside the group, over the real socket: `setpriv` runs curl as nobody.
    @Test(.enabled(if: getuid() == 0 && Tool.available("setpriv") && Tool.available("curl"), "needs root, setpriv and curl"))
    func aPeerOutsideTheGroupGets403() throws {
        let server = try start()
        defer { server.stop() }
        chmod(server.configuration.path, 0o666)
        let directory = String(server.configuration.path[..<server.configuration.path.lastIndex(of: "/")!])
        chmod(directory, 0o755)
        let result = try Tool.run(
            "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-sS", "--unix-socket",
                        server.configuration.path, "http://edge/v1/status"])
        #expect(result.stdout.contains("neither root nor in group edge-admin") || result.stdout.contains("does not exist"))
        // With the socket's own mode, nobody cannot even connect.
        chmod(server.configuration.path, 0o660)
        let refused = try Tool.run(
            "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "curl", "-sS", "--unix-socket",
                        server.configuration.path, "http://edge/v1/status"])
        #expect(refused.status != 0)
    }
}

/// Streamed answers (the event stream): chunks arrive as they are pushed, a client that
/// leaves cancels the stream, a full queue refuses more, and edgectl's decoder reads any
/// split of the chunked encoding.
@Suite(.serialized) struct ControlStreamTests {
    final class Streaming: ControlResponder {
        let stream = ControlStream(capacity: 4)
        func respond(to request: ControlRequest) async -> ControlResponse {
            .streaming(stream, contentType: "application/x-ndjson", first: Array("hello\n".utf8))
        }
    }

    @Test func linesArriveAsPushedAndTheClientCanStop() throws {
        let dir = try Fixtures.scratchDirectory("control-stream")
        let responder = Streaming()
        let server = try ControlServer.start(
            .init(path: "\(dir)/control.sock", access: AccessPolicy(groupName: "edge-admin", groupID: nil)),
            responder: responder, log: { _ in })
        defer { server.stop() }
        let stream = responder.stream
        // A thread of its own: the test blocks a pool thread, and on two cores a task
        // could wait behind it for ever.
        startThread(name: "pusher") {
            for n in 1...3 {
                usleep(50_000)
                stream.push(Array("event \(n)\n".utf8))
            }
        }
        var lines: [String] = []
        let refusal = try ControlClient(socketPath: server.configuration.path).follow("/v1/events") { line in
            lines.append(line)
            return lines.count < 3
        }
        #expect(refusal == nil)
        #expect(lines == ["hello", "event 1", "event 2"])
        // The client has gone: the server notices and cancels the stream.
        var waited = 0
        while !responder.stream.isCancelled && waited < 100 {
            usleep(20_000)
            responder.stream.push(Array("more\n".utf8))
            waited += 1
        }
        #expect(responder.stream.isCancelled)
    }

    @Test func aFullQueueRefusesAndFinishStillEndsIt() async {
        let stream = ControlStream(capacity: 2)
        #expect(stream.push([1]) && stream.push([2]))
        #expect(!stream.push([3]))
        stream.finish(last: [9])
        #expect(await stream.next() == [1])
        #expect(await stream.next() == [2])
        #expect(await stream.next() == [9])
        #expect(await stream.next() == nil)
        #expect(!stream.push([4]))
    }

    @Test func chunkedBodiesDecodeHoweverTheyAreSplit() throws {
        let wire = Array("5\r\nhello\r\n7;ext=1\r\n world\n\r\n0\r\n\r\n".utf8)
        for split in 0...wire.count {
            var decoder = ChunkedDecoder()
            let out = try decoder.decode(Array(wire[..<split])) + decoder.decode(Array(wire[split...]))
            #expect(String(decoding: out, as: UTF8.self) == "hello world\n")
            #expect(decoder.finished)
        }
        var bad = ChunkedDecoder()
        #expect(throws: ControlClientError.self) { try bad.decode(Array("zz\r\n".utf8)) }
    }
}
