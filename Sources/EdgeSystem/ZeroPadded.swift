extension BinaryInteger {
    /// Decimal digits, zero-padded on the left to at least `width`: sequence numbers in
    /// file names (`00000042`), calendar fields (`2026-01-05`), counters.
    public func zeroPadded(_ width: Int) -> String {
        let digits = String(self)
        guard self >= 0 else { return digits }
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
