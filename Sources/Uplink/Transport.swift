/// What a request sends as its body.
public enum UploadBody: Sendable, Equatable {
    /// A small body held in memory (a gap manifest).
    case bytes([UInt8])
    /// `length` bytes of the file at `path` from `offset`, streamed from disk.
    case file(path: String, offset: Int64, length: Int64)

    public var length: Int64 {
        switch self {
        case .bytes(let b): Int64(b.count)
        case .file(_, _, let length): length
        }
    }
}

/// The centre's answer.
public struct TransportResponse: Sendable, Equatable {
    public var status: Int
    /// Header names in lower case; the last value wins.
    public var headers: [String: String]
    /// The body, cut at `TransportResponse.bodyLimit` bytes (answers are small JSON).
    public var body: [UInt8]

    public static let bodyLimit = 64 << 10

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public subscript(header name: String) -> String? { headers[name.lowercased()] }
}

/// How a running transfer is steered from outside: stopped, paced, watched.
public struct TransferControl: Sendable {
    /// True once the transfer should end now (`Uplink.stop()`).
    public var shouldStop: @Sendable () -> Bool
    /// Called before `count` body bytes are handed over; blocks until the rate cap allows
    /// them. Returns false when stopped while waiting.
    public var pace: @Sendable (_ count: Int) -> Bool
    /// Body bytes sent so far in this request.
    public var progress: @Sendable (_ sent: Int64) -> Void
    /// The rate `pace` holds the destination to, bytes/s: the transport hands `pace` at
    /// most a second of it at a time, so each wait stays near a second, far below the
    /// stall timeout. `pace` alone enforces it: a per-transfer limiter beside it (libcurl's
    /// `CURLOPT_MAX_SEND_SPEED_LARGE`) would keep each transfer from spending the credit
    /// the gap between requests leaves in the bucket, and the uplink would fall short of
    /// its cap.
    public var rateBytesPerSecond: Int64?

    public init(
        shouldStop: @escaping @Sendable () -> Bool = { false }, pace: @escaping @Sendable (Int) -> Bool = { _ in true },
        progress: @escaping @Sendable (Int64) -> Void = { _ in }, rateBytesPerSecond: Int64? = nil
    ) {
        self.shouldStop = shouldStop
        self.pace = pace
        self.progress = progress
        self.rateBytesPerSecond = rateBytesPerSecond
    }
}

/// The two verbs of the upload protocol (PROTOCOL.md). One instance per worker thread:
/// an implementation need not be thread-safe. A failure to get any answer throws; any
/// answer, whatever its status, returns.
public protocol Transport: AnyObject {
    func head(_ url: String, headers: [(String, String)], control: TransferControl) throws(UplinkError) -> TransportResponse
    func put(_ url: String, headers: [(String, String)], body: UploadBody, control: TransferControl) throws(UplinkError) -> TransportResponse
}
