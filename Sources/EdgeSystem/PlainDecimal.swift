extension FixedWidthInteger {
    /// A whole number ≥ 0 as one spelling allows: ASCII digits only, no sign, no leading
    /// zero (but `0` itself), no spaces, and within the type. `Int("+5")` and `Int("05")`
    /// succeed; for numbers that name things (sequences, offsets, lengths) two spellings of
    /// one number would be two names, so those are refused here.
    public init?(plainDecimal text: some StringProtocol) {
        let digits = text.utf8
        guard let first = digits.first, digits.count == 1 || first != UInt8(ascii: "0") else { return nil }
        var value: Self = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Self(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        self = value
    }
}
