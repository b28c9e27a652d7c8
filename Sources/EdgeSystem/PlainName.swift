/// The one rule for names that become path components and URL segments: gateway ids,
/// camera ids, destination names and the files of the ring. ASCII letters, digits, `.`,
/// `_` and `-`; no leading dot; a bounded length. Such a name can never climb out of its
/// directory, hide itself, or need quoting in a URL or a log line.
public enum PlainName {
    /// Gateway and camera ids: 1–64 characters.
    public static let idLimit = 64
    /// File names in the ring and the centre's store: 1–255 (a file system's limit).
    public static let fileLimit = 255

    public static func isValid(_ name: some StringProtocol, limit: Int = idLimit) -> Bool {
        let bytes = name.utf8
        guard (1...limit).contains(bytes.count), bytes.first != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
                || b == UInt8(ascii: "-")
        }
    }

    /// The stricter rule for the ids a config names (gateway, camera, group): 1–`max` of
    /// lower-case a-z, 0-9, `-` and `_`, starting with a letter or digit.
    public static func isLowerCaseID(_ name: some StringProtocol, max: Int) -> Bool {
        guard (1...max).contains(name.utf8.count), let first = name.utf8.first else { return false }
        let ok = { (c: UInt8) in (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) }
        return ok(first) && name.utf8.allSatisfy { ok($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// What the rule says, for error messages.
    public static func rule(limit: Int = idLimit) -> String { "1–\(limit) of A-Z a-z 0-9 . _ - (no leading dot)" }
}
