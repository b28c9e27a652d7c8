/// One place the ring is uploaded to (the city centre, a ministry archive…), as the
/// config gives it. The uplink's own validation (`UplinkDestination.problems()`) runs too.
public struct DestinationConfiguration: Sendable, Equatable {
    /// Names its acknowledgement files: a-z, 0-9 and '-'.
    public var name: String
    /// `https://centre.example:8443`
    public var url: String
    /// PEM files: the CA the centre's certificate must chain to, and this gateway's
    /// client certificate (its CN is the gateway's name) and key.
    public var caFile: String
    public var certFile: String
    public var keyFile: String
    /// The CA, certificate and key as one set, in the order they are replaced together
    /// (`FileSet`): the key last.
    public var credentialFiles: [String] { Self.credentialFiles(ca: caFile, cert: certFile, key: keyFile) }
    public static func credentialFiles(ca: String, cert: String, key: String) -> [String] { [ca, cert, key] }
    /// `sha256//<base64>`: the centre's public key, pinned.
    public var pinnedKey: String?
    /// Cap on upload bytes per second; nil for none.
    public var rateBytesPerSecond: Int?
    /// Daily windows, UTC, as `"HH:MM-HH:MM"`; empty for always.
    public var windows: [String]
    /// Transfers at once.
    public var concurrency: Int
    /// Seconds to wait for a connection (TCP and TLS) before trying again later.
    public var connectSeconds: Int
    /// Seconds without a byte moving before a transfer is cut and resumed later.
    public var stallSeconds: Int

    public init(
        name: String, url: String, caFile: String, certFile: String, keyFile: String, pinnedKey: String? = nil,
        rateBytesPerSecond: Int? = nil, windows: [String] = [], concurrency: Int = 1,
        connectSeconds: Int = 30, stallSeconds: Int = 60
    ) {
        self.connectSeconds = connectSeconds
        self.stallSeconds = stallSeconds
        self.name = name
        self.url = url
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.pinnedKey = pinnedKey
        self.rateBytesPerSecond = rateBytesPerSecond
        self.windows = windows
        self.concurrency = concurrency
    }

    /// `"22:00-06:00"` as minutes after midnight; nil when malformed.
    public static func window(_ text: String) -> (start: Int, end: Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let a = minutes(parts[0]), let b = minutes(parts[1]) else { return nil }
        return (a, b)
    }

    static func minutes(_ hhmm: Substring) -> Int? {
        let p = hhmm.split(separator: ":")
        guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }
}
