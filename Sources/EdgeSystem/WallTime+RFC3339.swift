/// Wall-clock times as manifests write them: RFC 3339 in UTC with exactly nine fractional
/// digits, `2026-11-29T14:33:01.123456789Z`. One spelling per instant, so the canonical
/// bytes (and the signature over them) are stable. Converted by hand with Howard
/// Hinnant's civil-calendar algorithms: no Foundation, no locale, no time zone files.
extension WallTime {
    public var rfc3339: String {
        // Floor division by remainder, never by multiplying back: second × 10⁹ overflows
        // near Int64.min.
        let (quotient, remainder) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        let (second, fraction) = remainder < 0 ? (quotient - 1, remainder + 1_000_000_000) : (quotient, remainder)
        let dayNumber = second >= 0 ? second / 86400 : (second + 1) / 86400 - 1
        let clock = second - dayNumber * 86400
        let (year, month, day) = Self.civil(fromDays: dayNumber)
        return "\(year.zeroPadded(4))-\(month.zeroPadded(2))-\(day.zeroPadded(2))T"
            + "\((clock / 3600).zeroPadded(2)):\((clock % 3600 / 60).zeroPadded(2)):\((clock % 60).zeroPadded(2))."
            + "\(fraction.zeroPadded(9))Z"
    }

    /// `2026-11-29T14:33:01Z`: whole seconds, as age's key files write their creation time.
    public var rfc3339Seconds: String { String(rfc3339.prefix(19)) + "Z" }

    /// Parses exactly the form `rfc3339` writes; nil for anything else, and for a time
    /// outside `WallTime.earliest…latest` (years before 1677 or after 2262), which the
    /// nanosecond count cannot hold.
    public init?(rfc3339 text: String) {
        let c = Array(text.utf8)
        guard c.count == 30, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == UInt8(ascii: "T"),
            c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":"), c[19] == UInt8(ascii: "."),
            c[29] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in c[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let fraction = number(20..<29), (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        // Round-trip the date so 2026-02-30 is refused rather than read as 2 March.
        guard day >= 1, Self.civil(fromDays: days) == (year, month, day) else { return nil }
        // Days and seconds fit easily for years 0000–9999; only the nanoseconds can overflow.
        guard let ns = Int64.nanoseconds(seconds: days * 86400 + hour * 3600 + minute * 60 + second, plus: fraction)
        else { return nil }
        self.init(nanosecondsSinceEpoch: ns)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let doe = shifted - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
