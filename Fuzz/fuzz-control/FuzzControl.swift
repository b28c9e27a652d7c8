#if canImport(Glibc)
import Glibc
#endif
import ControlSocket
import EdgeJSON
import EdgeSystem
import FuzzSupport
import Synchronization

/// The control socket's request handling, over a real Unix socket to the real server
/// (SwiftNIO's HTTP/1.1 parser, the pipelining handler, `ControlHTTPHandler`), started
/// once per process. Each input is sent as one client's bytes, then the client half-closes
/// and reads until the server closes. Properties: the server answers only in HTTP/1.1
/// (every status line it writes is `HTTP/1.1 NNN`), no request is carried out without
/// its answer, the server always ends the connection, and it keeps answering a
/// well-formed request afterwards.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let answer = ControlFuzzServer.shared.exchange(Array(UnsafeBufferPointer(start: data, count: size)))
    expect(
        answer.closed,
        """
        the server left a connection open and silent for \(ControlFuzzServer.quietLimit) s after answering another \
        (its own request deadline is 300 ms), having sent \(String(decoding: answer.bytes.prefix(300), as: UTF8.self).debugDescription)
        """)
    let lines = answer.bytes.split(separator: 10, omittingEmptySubsequences: false)
    let statuses = lines.filter { $0.starts(with: Array("HTTP/".utf8)) }
    expect(statuses.allSatisfy { $0.starts(with: Array("HTTP/1.1 ".utf8)) }, "a status line that is not HTTP/1.1")
    expect(answer.bytes.isEmpty || answer.bytes.starts(with: Array("HTTP/1.1 ".utf8)), "the answer does not start with a status line")
    let done = ControlFuzzServer.shared.responder.count()
    expect(statuses.count >= done, "\(done) requests carried out, \(statuses.count) answered: \(String(decoding: answer.bytes.prefix(300), as: UTF8.self).debugDescription)")
    // Every 64 inputs: a well-formed request still gets its answer.
    if ControlFuzzServer.shared.inputs % 64 == 0 {
        expect(ControlFuzzServer.shared.plainGET().starts(with: Array("HTTP/1.1 200".utf8)), "a plain GET is no longer answered")
    }
    return 0
}

/// Counts the requests it answers (and answers each with its path).
final class CountingResponder: ControlResponder {
    private let done = Mutex(0)
    func respond(to request: ControlRequest) async -> ControlResponse {
        done.withLock { $0 += 1 }
        return .json(.object([("path", .string(request.path)), ("bytes", .number(String(request.body.count)))]))
    }
    /// Runs `body` without counting the requests it makes.
    func uncounted<T>(_ body: () -> T) -> T {
        let before = count()
        let result = body()
        done.withLock { $0 = before }
        return result
    }

    /// Requests answered since the last call.
    func count() -> Int {
        done.withLock { n in
            defer { n = 0 }
            return n
        }
    }
}

final class ControlFuzzServer: @unchecked Sendable {
    static let shared = ControlFuzzServer()
    let responder = CountingResponder()
    let server: ControlServer
    let path: String
    private(set) var inputs = 0
    /// How long the client waits for more from the server before it looks closer.
    static let quietLimit = 20

    private init() {
        let directory = ScratchDirectory("fuzz-control")
        path = "\(directory.path)/control.sock"
        do {
            server = try ControlServer.start(
                .init(
                    path: path, access: AccessPolicy(groupName: "edge-admin", groupID: nil), maxClients: 8,
                    maxBodyBytes: 64 << 10, requestTimeout: .milliseconds(300)),
                responder: responder, log: { _ in })
        } catch {
            fatalError("cannot start the control server: \(error)")
        }
    }

    /// Sends `bytes`, half-closes, reads what comes back until the server closes. Silence
    /// alone proves nothing: a loaded host, or a paused virtual machine, can hold the
    /// server's thread past any client timeout (two fuzzers once went quiet in the same
    /// second), and on resuming the client's timeout may run first. So a quiet connection
    /// is judged only after the server has answered another one, on a new connection:
    /// by then its own thread has run, and with it every deadline that was due (its
    /// request deadline is 300 ms). Only if this connection then stays silent for another
    /// `quietLimit` is the silence the server's.
    func exchange(_ bytes: [UInt8]) -> (bytes: [UInt8], closed: Bool) {
        inputs += 1
        _ = responder.count()
        let fd = connect()
        defer { close(fd) }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }  // the server closed early (a refusal): what it said is read below
            sent += n
        }
        shutdown(fd, Int32(SHUT_WR))
        var answer = readToEnd(fd)
        if !answer.closed {
            let probe = responder.uncounted { plainGET() }
            expect(probe.starts(with: Array("HTTP/1.1 200".utf8)), "the server answers nothing, not even a new connection")
            let rest = readToEnd(fd)
            answer = (answer.bytes + rest.bytes, rest.closed)
        }
        return answer
    }

    /// A well-formed GET on a connection of its own: the answer's bytes.
    func plainGET() -> [UInt8] {
        let fd = connect()
        defer { close(fd) }
        let request = Array("GET /v1/status HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return readToEnd(fd).bytes
    }

    private func connect() -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = UnixSocketAddress(path)!
        guard address.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else { fatalError("connect: errno \(errno)") }
        var timeout = timeval(tv_sec: Self.quietLimit, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// What arrives until the server closes (true), or until `quietLimit` passes with
    /// nothing (false).
    private func readToEnd(_ fd: Int32) -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (out, true) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return (out, errno == ECONNRESET || errno == EPIPE) }
            out += chunk[..<n]
        }
    }
}
