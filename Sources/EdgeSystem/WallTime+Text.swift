extension WallTime {
    /// The UTC calendar fields of this time.
    public var utc: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int) {
        let (quotient, remainder) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        let (second, fraction) = remainder < 0 ? (quotient - 1, remainder + 1_000_000_000) : (quotient, remainder)
        // time_t is 32 bits on some 32-bit ABIs: clamp rather than trap (years past 2038 then
        // read as 2038 there, in captions and file names only).
        var seconds = time_t(clamping: second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
                Int(parts.tm_min), Int(parts.tm_sec), Int(fraction))
    }

    /// `20261129T143301Z`: for file names, which must not contain ':'.
    public var compactUTC: String {
        let t = utc
        return t.year.zeroPadded(4) + t.month.zeroPadded(2) + t.day.zeroPadded(2) + "T" + t.hour.zeroPadded(2) + t.minute.zeroPadded(2) + t.second.zeroPadded(2) + "Z"
    }

    /// Parses exactly the form `compactUTC` writes; nil for anything else.
    public init?(compactUTC text: some StringProtocol) {
        let c = Array(text.utf8)
        guard c.count == 16, c[8] == UInt8(ascii: "T"), c[15] == UInt8(ascii: "Z") else { return nil }
        func part(_ r: Range<Int>) -> String { String(decoding: c[r], as: UTF8.self) }
        self.init(rfc3339: "\(part(0..<4))-\(part(4..<6))-\(part(6..<8))T\(part(9..<11)):\(part(11..<13)):\(part(13..<15)).000000000Z")
    }

    /// `2026-11-29 14:33:01.120`: for captions and logs, in UTC.
    public var readableUTC: String {
        let t = utc
        return "\(t.year.zeroPadded(4))-\(t.month.zeroPadded(2))-\(t.day.zeroPadded(2)) \(t.hour.zeroPadded(2)):\(t.minute.zeroPadded(2)):\(t.second.zeroPadded(2)).\((t.nanosecond / 1_000_000).zeroPadded(3))"
    }
}
