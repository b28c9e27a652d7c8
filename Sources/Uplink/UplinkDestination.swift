import EdgeSystem

/// How the gateway proves itself to a centre and checks the centre (mutual TLS).
public struct UplinkTLS: Sendable, Equatable {
    /// PEM file of the CA(s) the centre's certificate must chain to. Only these are
    /// trusted: the system's CA store is not.
    public var caFile: String
    /// PEM client certificate (its CN is the gateway's identity) and its private key.
    public var certFile: String
    public var keyFile: String
    /// Optional public-key pin, `sha256//<base64>` (several joined with `;`), as
    /// libcurl's `CURLOPT_PINNEDPUBLICKEY` takes it.
    public var pinnedKey: String?

    public init(caFile: String, certFile: String, keyFile: String, pinnedKey: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.pinnedKey = pinnedKey
    }

    /// Before enrolment: no CA and no client certificate yet; the centre is recognised by
    /// its key pin alone (`edge-centre enrol issue-token` prints it).
    public static func enrolment(pin: String) -> UplinkTLS {
        UplinkTLS(caFile: "", certFile: "", keyFile: "", pinnedKey: pin)
    }
}

/// A daily span of time, in minutes after midnight UTC, when uploads may start. A window
/// whose end is before its start runs over midnight (22:00–06:00).
public struct UploadWindow: Sendable, Equatable {
    public var startMinute: Int
    public var endMinute: Int

    /// Minutes outside a day are clamped into it (the config loader names them as errors).
    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = min(max(startMinute, 0), 1439)
        self.endMinute = min(max(endMinute, 0), 1440)
    }

    public func contains(minuteOfDay m: Int) -> Bool {
        startMinute <= endMinute ? (startMinute..<endMinute).contains(m) : (m >= startMinute || m < endMinute)
    }

    /// Nil when `now` is inside one of `windows` (or there are none); otherwise how long
    /// until the next one opens.
    public static func waitBeforeOpening(_ windows: [UploadWindow], now: WallTime) -> Duration? {
        guard !windows.isEmpty else { return nil }
        let secondOfDay = Int(now.nanosecondsSinceEpoch.floorDiv(1_000_000_000).floorMod(86_400))
        if windows.contains(where: { $0.contains(minuteOfDay: secondOfDay / 60) }) { return nil }
        let waits = windows.map { w in (w.startMinute * 60 - secondOfDay + 86_400) % 86_400 }
        return .seconds(max(1, waits.min() ?? 60))
    }
}

/// One centre (or escrow) the ring is uploaded to, with a queue and state of its own.
public struct UplinkDestination: Sendable {
    /// Names the acknowledgement files (`<stem>.ack-<name>`): a-z, 0-9 and '-'.
    public var name: String
    /// The centre's base URL, `https://centre.example:8443` (paths are added).
    public var url: String
    public var tls: UplinkTLS
    /// Cap on bytes/s sent to this destination, across all its transfers; nil: none.
    public var rateBytesPerSecond: Int64?
    /// When uploads may start; empty: always. Needs a synchronised clock: while the clock
    /// is not synchronised (no RTC, no NTP yet) windows are ignored and uploads go on.
    public var windows: [UploadWindow]
    /// Transfers at once (each on a thread of its own).
    public var concurrency: Int
    /// Per camera, how many of the newest segments count as live (uploaded newest first);
    /// older unsent ones are backfill (oldest first).
    public var liveDepth: Int
    /// When live and backfill both wait, one pick in `backfillEvery` goes to backfill, so
    /// backfill always moves and live keeps the rest. With several transfers at once,
    /// backfill never takes the last free one.
    public var backfillEvery: Int
    /// Seconds to connect before giving up; a transfer that sends nothing for
    /// `stallSeconds` is cut (and resumed later).
    public var connectSeconds: Int
    public var stallSeconds: Int

    public init(
        name: String, url: String, tls: UplinkTLS, rateBytesPerSecond: Int64? = nil, windows: [UploadWindow] = [],
        concurrency: Int = 1, liveDepth: Int = 6, backfillEvery: Int = 3, connectSeconds: Int = 30, stallSeconds: Int = 60
    ) {
        self.name = name
        self.url = url
        self.tls = tls
        self.rateBytesPerSecond = rateBytesPerSecond
        self.windows = windows
        self.concurrency = max(1, concurrency)
        self.liveDepth = max(0, liveDepth)
        self.backfillEvery = max(1, backfillEvery)
        self.connectSeconds = connectSeconds
        self.stallSeconds = stallSeconds
    }

    /// Problems a person must fix before this destination can work, in words.
    public func problems() -> [String] {
        var out: [String] = []
        if name.isEmpty || !name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }) {
            out.append("destination name \"\(name)\" must be a-z, 0-9 and '-' (it names acknowledgement files)")
        }
        if !url.lowercased().hasPrefix("https://") { out.append("destination \(name): url \"\(url)\" must start with https://") }
        if let pin = tls.pinnedKey, !pin.hasPrefix("sha256//") {
            out.append("destination \(name): pinnedKey must look like sha256//<base64 of the key's SHA-256>")
        }
        for (field, path) in [("caFile", tls.caFile), ("certFile", tls.certFile), ("keyFile", tls.keyFile)] where !FileSystem.exists(path) {
            out.append("destination \(name): \(field) \(path) does not exist")
        }
        if let rate = rateBytesPerSecond, rate < 1024 { out.append("destination \(name): rate \(rate) B/s is below 1024 B/s") }
        return out
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
    fileprivate func floorMod(_ d: Int64) -> Int64 { self - floorDiv(d) * d }
}
