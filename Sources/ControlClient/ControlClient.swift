#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EdgeSystem

/// A small HTTP/1.1 client for the daemon's control socket: one request per connection
/// (`Connection: close`), bodies read to the end. What `edgectl` talks through; no
/// dependency beyond the C library and EdgeSystem, so edgectl starts fast.
public struct ControlClient: Sendable {
    public static let defaultSocket = "/run/edge-recorder/control.sock"

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let socketPath: String
    /// Seconds to wait for the daemon to answer.
    public var timeoutSeconds: Int

    public init(socketPath: String = Self.defaultSocket, timeoutSeconds: Int = 30) {
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
    }

    public func get(_ path: String) throws(ControlClientError) -> Response {
        try request("GET", path)
    }

    public func post(_ path: String, json: [UInt8]) throws(ControlClientError) -> Response {
        try request("POST", path, body: json, contentType: "application/json")
    }

    public func request(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = nil)
        throws(ControlClientError) -> Response
    {
        let fd = try connect()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: edge-recorder\r\nConnection: close\r\n"
        head += "User-Agent: edgectl\r\nAccept: application/json\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        head += "\r\n"
        try send(fd, Array(head.utf8) + body)
        return try parse(receive(fd))
    }

    /// Follows a streamed answer (`GET /v1/events`), calling `line` with each line as it
    /// arrives until `line` returns false or the daemon ends the stream. A refusal (any
    /// status but 200) comes back whole instead; nil after a followed stream.
    public func follow(_ path: String, line: (String) -> Bool) throws(ControlClientError) -> Response? {
        let fd = try connect()
        defer { close(fd) }
        let head = "GET \(path) HTTP/1.1\r\nHost: edge-recorder\r\nConnection: close\r\nUser-Agent: edgectl\r\n\r\n"
        try send(fd, Array(head.utf8))
        var received: [UInt8] = []
        var end: Range<Int>?
        while end == nil {
            let more = try receiveSome(fd)
            if more.isEmpty { return try parse(received) }
            received += more
            end = received.firstRange(of: [13, 10, 13, 10] as [UInt8])
            guard received.count < 64 << 10 || end != nil else { throw .malformed("headers over 64 KiB") }
        }
        let response = try parse(Array(received[..<end!.upperBound]))
        guard response.status == 200 else { return try parse(received + receive(fd)) }
        // Quiet streams are normal: wait as long as it takes.
        var none = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
        var chunks = ChunkedDecoder()
        var pending = Array(received[end!.upperBound...])
        var text: [UInt8] = []
        while true {
            for byte in try chunks.decode(pending) {
                if byte == 10 {
                    guard line(String(decoding: text, as: UTF8.self)) else { return nil }
                    text = []
                } else {
                    text.append(byte)
                    guard text.count <= 1 << 20 else { throw .malformed("a line over 1 MiB") }
                }
            }
            if chunks.finished { return nil }
            pending = try receiveSome(fd)
            if pending.isEmpty { return nil }
        }
    }

    /// What one `recv` brings; empty when the daemon has closed (or reset the connection
    /// after an answer: `keepingOnReset`).
    private func receiveSome(_ fd: Int32, keepingOnReset: Bool = true) throws(ControlClientError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return Array(chunk[..<n]) }
            if errno == EINTR { continue }
            if (errno == ECONNRESET || errno == EPIPE) && keepingOnReset { return [] }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut(socketPath, timeoutSeconds) }
            throw .cannotConnect(socketPath, "reading the answer: \(String(cString: strerror(errno)))")
        }
    }

    private func connect() throws(ControlClientError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotConnect(socketPath, String(cString: strerror(errno))) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard var address = UnixSocketAddress(socketPath) else {
            close(fd)
            throw .cannotConnect(socketPath, "the path is too long for a Unix socket")
        }
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard result == 0 else {
            let code = errno
            close(fd)
            switch code {
            case ENOENT, ECONNREFUSED: throw .daemonNotRunning(socketPath)
            case EACCES, EPERM: throw .notAllowed(socketPath)
            default: throw .cannotConnect(socketPath, String(cString: strerror(code)))
            }
        }
        return fd
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) throws(ControlClientError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotConnect(socketPath, "sending the request: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
    }

    /// Everything until the daemon closes. A reset after an answer arrived keeps the
    /// answer: the daemon answered and closed with our request unread (503 when busy).
    private func receive(_ fd: Int32) throws(ControlClientError) -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let more = try receiveSome(fd, keepingOnReset: !out.isEmpty)
            if more.isEmpty { return out }
            out += more
            guard out.count <= 64 << 20 else { throw .malformed("an answer over 64 MiB") }
        }
    }

    func parse(_ bytes: [UInt8]) throws(ControlClientError) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else {
            throw .malformed(bytes.isEmpty ? "the daemon closed the connection without answering" : "no end of headers")
        }
        let lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1."),
            let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw .malformed("status line \"\(lines.first ?? "")\"") }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        var body = Array(bytes[end.upperBound...])
        if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }),
            length < body.count
        {
            body = Array(body[..<length])
        }
        return Response(status: status, headers: headers, body: body)
    }
}

/// Decodes an HTTP/1.1 chunked body as it arrives, in pieces of any size.
struct ChunkedDecoder {
    private enum Step { case size, data(Int), dataEnd, trailer }
    private var step = Step.size
    private var sizeLine: [UInt8] = []
    private(set) var finished = false

    mutating func decode(_ bytes: [UInt8]) throws(ControlClientError) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count, !finished {
            switch step {
            case .size:
                let byte = bytes[i]
                i += 1
                guard byte == 10 else {
                    sizeLine.append(byte)
                    guard sizeLine.count < 64 else { throw .malformed("a chunk size line over 64 bytes") }
                    continue
                }
                // `1a;ext=1\r`: the hex digits before any extension, spaces and CR dropped.
                let digits = String(decoding: sizeLine.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 13 && $0 != 32 }, as: UTF8.self)
                sizeLine = []
                guard let size = Int(digits, radix: 16), size >= 0 else {
                    throw .malformed("chunk size \"\(digits)\"")
                }
                step = size == 0 ? .trailer : .data(size)
            case .data(let left):
                let n = min(left, bytes.count - i)
                out += bytes[i..<i + n]
                i += n
                step = left - n == 0 ? .dataEnd : .data(left - n)
            case .dataEnd:
                // The CRLF after a chunk's data.
                if bytes[i] == 10 { step = .size }
                i += 1
            case .trailer:
                finished = true
            }
        }
        if case .trailer = step { finished = true }
        return out
    }
}

public enum ControlClientError: Error, Sendable, CustomStringConvertible {
    case daemonNotRunning(String)
    case notAllowed(String)
    case cannotConnect(String, String)
    case timedOut(String, Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .daemonNotRunning(let path):
            "edge-recorderd is not running (no one listens on \(path)): start it (systemctl start edge-recorder), or use --offline where offered"
        case .notAllowed(let path):
            "not allowed to use \(path): run as root or as a member of group edge-admin"
        case .cannotConnect(let path, let why):
            "cannot talk to edge-recorderd on \(path): \(why)"
        case .timedOut(let path, let seconds):
            "edge-recorderd did not answer on \(path) within \(seconds) s"
        case .malformed(let what):
            "edge-recorderd's answer is not valid HTTP: \(what)"
        }
    }
}
