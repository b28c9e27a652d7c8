extension QRCode {
    /// The symbol as lines of text for a terminal, two module rows to a line: each character
    /// is one module wide and two high, drawn with the half blocks ▀ (upper dark), ▄ (lower
    /// dark), █ (both) and a space (neither). In the usual terminal cell, about twice as high
    /// as wide, the modules come out close to square.
    ///
    /// The glyphs are drawn in the terminal's text colour, so by default they are the dark
    /// modules, for dark text on a light background. `inverted` draws the light modules
    /// instead (the quiet zone included), for light text on a dark background, which is how
    /// most consoles are set up: a phone then still sees dark modules on a light field.
    ///
    /// `quiet` is the width of the light margin around the symbol, in modules. The standard
    /// asks for 4 and readers rely on it, so 4 is the default: the text is `size + 2 × quiet`
    /// columns wide, 77 columns for version 13 (which holds 331 bytes at level M and 177 at
    /// H), so symbols for texts of a few hundred bytes fit an 80-column console. Pass a
    /// smaller margin only where the terminal itself is light around the symbol. When the
    /// height is an odd number of modules the last line's lower half is light too.
    ///
    /// Every line has the same number of characters (trailing spaces included).
    public func terminalLines(quiet: Int = 4, inverted: Bool = false) -> [String] {
        let margin = max(0, quiet)
        let extent = -margin..<(size + margin)
        var lines: [String] = []
        lines.reserveCapacity((extent.count + 1) / 2)
        for top in stride(from: extent.lowerBound, to: extent.upperBound, by: 2) {
            var line = ""
            line.reserveCapacity(extent.count * 3)
            for x in extent {
                // Outside the symbol the subscript answers light: that is the quiet zone.
                let upper = self[x, top] != inverted
                let lower = self[x, top + 1] != inverted
                switch (upper, lower) {
                case (true, true): line.append("█")
                case (true, false): line.append("▀")
                case (false, true): line.append("▄")
                case (false, false): line.append(" ")
                }
            }
            lines.append(line)
        }
        return lines
    }
}
