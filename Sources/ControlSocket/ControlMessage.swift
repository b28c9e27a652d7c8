import EdgeJSON
import EdgeSystem
import NIOHTTP1

/// One request on the control socket, read whole (bodies are bounded).
public struct ControlRequest: Sendable {
    public var method: String
    /// The path without the query: `/v1/status`.
    public var path: String
    /// Query parameters, decoded; a repeated name keeps its last value.
    public var query: [String: String]
    public var body: [UInt8]
    public var peer: PeerCredentials

    public init(method: String, path: String, query: [String: String] = [:], body: [UInt8] = [], peer: PeerCredentials) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.peer = peer
    }

    /// Splits `/v1/segments?camera=gate&state=held` into path and decoded query.
    public static func split(uri: String) -> (path: String, query: [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]) else { continue }
            query[name] = parts.count > 1 ? percentDecoded(parts[1]) ?? "" : ""
        }
        return (String(uri[..<mark]), query)
    }

    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var i = text.utf8.startIndex
        let utf8 = text.utf8
        while i != utf8.endIndex {
            let c = utf8[i]
            if c == UInt8(ascii: "%") {
                let h = utf8.index(after: i)
                guard h != utf8.endIndex, utf8.index(after: h) != utf8.endIndex,
                    let high = hex(utf8[h]), let low = hex(utf8[utf8.index(after: h)])
                else { return nil }
                bytes.append(high << 4 | low)
                i = utf8.index(h, offsetBy: 2)
                continue
            }
            bytes.append(c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c)
            i = utf8.index(after: i)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// An answer on the control socket.
public struct ControlResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    /// Extra header fields (`Allow` on 405).
    public var headers: [(String, String)]
    /// Set for a body that goes on after `body` (chunked, until the stream ends or the
    /// client leaves); the connection closes after it.
    public var stream: ControlStream?

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// JSON, in canonical form, with a final newline.
    public static func json(_ value: JSONValue, status: Int = 200) -> ControlResponse {
        ControlResponse(status: status, contentType: "application/json", body: CanonicalJSON.encode(value) + [10])
    }

    /// `{"error": "…"}`: what was wrong and how to fix it.
    public static func error(_ status: Int, _ message: String) -> ControlResponse {
        json(.object([("error", .string(message))]), status: status)
    }

    /// A streamed body: `body` first, then every chunk `stream` yields.
    public static func streaming(_ stream: ControlStream, contentType: String, first: [UInt8] = []) -> ControlResponse {
        var response = ControlResponse(status: 200, contentType: contentType, body: first)
        response.stream = stream
        return response
    }

    /// The whole answer as HTTP/1.1 bytes, for the few written outside the HTTP handlers
    /// (a client over the limit, a connection that never sent a request).
    public func http1(close: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)\r\n"
        text += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += close ? "Connection: close\r\n\r\n" : "\r\n"
        return Array(text.utf8) + body
    }

    /// The `error` of a JSON answer, if it has one.
    public var errorMessage: String? {
        guard contentType == "application/json", case .object(let members)? = try? JSONParser.parse(body),
            case .string(let message)? = members.first(where: { $0.key == "error" })?.value
        else { return nil }
        return message
    }

    /// This JSON object answer with one more member (an answer of another kind unchanged).
    public func adding(_ key: String, _ value: JSONValue) -> ControlResponse {
        guard stream == nil, contentType == "application/json", case .object(let members)? = try? JSONParser.parse(body) else {
            return self
        }
        var answer = ControlResponse.json(.object(members + [(key, value)]), status: status)
        answer.headers = headers
        return answer
    }

    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> ControlResponse {
        ControlResponse(status: 200, contentType: contentType, body: Array(text.utf8))
    }

    public static func == (a: ControlResponse, b: ControlResponse) -> Bool {
        a.status == b.status && a.contentType == b.contentType && a.body == b.body
            && a.headers.map { "\($0.0):\($0.1)" } == b.headers.map { "\($0.0):\($0.1)" }
            && (a.stream == nil) == (b.stream == nil)
    }
}

/// What answers requests: the daemon's routes, or a test's.
public protocol ControlResponder: Sendable {
    func respond(to request: ControlRequest) async -> ControlResponse
}
