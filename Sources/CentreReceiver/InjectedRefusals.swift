import HTTPTypes
import Hummingbird

/// Refuses a share of upload requests on purpose, for fault tests of the gateways' uplink
/// (`edge-centre serve --inject-refusals 500:20,429:10`): before the receiver sees a
/// request under `/v1/`, it answers the listed status with the listed probability in
/// percent. A 429 or 503 carries `Retry-After: 1`. Nothing is stored for a refused
/// request, so the gateway must send it again.
public struct InjectedRefusals: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var status: Int
        public var percent: Int

        public init(status: Int, percent: Int) {
            self.status = status
            self.percent = percent
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// Parses `STATUS:PERCENT[,STATUS:PERCENT…]`; the message says what is wrong.
    public init(parsing text: String) throws(InjectedRefusalsError) {
        var rules: [Rule] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let status = Int(parts[0]), let percent = Int(parts[1]) else {
                throw InjectedRefusalsError("\"\(item)\": expected STATUS:PERCENT, e.g. 500:20")
            }
            guard (400...599).contains(status) else {
                throw InjectedRefusalsError("\"\(item)\": status \(status) is not an error status (400…599)")
            }
            guard (0...100).contains(percent) else {
                throw InjectedRefusalsError("\"\(item)\": percent \(percent) is out of range 0…100")
            }
            rules.append(Rule(status: status, percent: percent))
        }
        guard rules.reduce(0, { $0 + $1.percent }) <= 100 else {
            throw InjectedRefusalsError("\"\(text)\": the percentages add up to more than 100")
        }
        self.rules = rules
    }

    /// The status to answer for a roll in 0..<100, nil to let the request through.
    public func status(roll: Int) -> Int? {
        var threshold = 0
        for rule in rules {
            threshold += rule.percent
            if roll < threshold { return rule.status }
        }
        return nil
    }
}

public struct InjectedRefusalsError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

struct InjectedRefusalsMiddleware<Context: RequestContext>: RouterMiddleware {
    let refusals: InjectedRefusals
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.uri.path.hasPrefix("/v1/"), let status = refusals.status(roll: Int.random(in: 0..<100)) else {
            return try await next(request, context)
        }
        log("event=injected status=\(status) method=\(request.method) path=\(request.uri.path)")
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == 429 || status == 503 { headers[.retryAfter] = "1" }
        return Response(
            status: .init(code: status), headers: headers,
            body: .init(byteBuffer: .init(string: "{\"error\":\"refused on purpose (--inject-refusals)\"}\n")))
    }
}
