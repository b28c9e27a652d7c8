/// The square of modules of one symbol while it is built. Function modules (finder,
/// separator, timing and alignment patterns, the dark module, format and version
/// information) are fixed by the version and marked in `isFunction`; the rest, the data
/// region, receives the codewords and is the only part a mask changes.
///
/// Coordinates are (x, y) = (column, row) with (0, 0) the top-left module.
struct QRMatrix: Sendable {
    let version: Int
    let size: Int
    private(set) var dark: [Bool]
    private(set) var isFunction: [Bool]

    /// A symbol of the given version with its function patterns drawn, the format areas
    /// reserved (light until `drawFormat` fills them) and, from version 7, the version
    /// information drawn.
    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        dark = [Bool](repeating: false, count: size * size)
        isFunction = dark

        // Timing patterns: alternating modules along row 6 and column 6, dark on even
        // indices, so a reader can measure the module pitch. The finders drawn next
        // overwrite the ends.
        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }
        // Finder patterns in three corners, each with its light separator.
        drawFinder(centreX: 3, centreY: 3)
        drawFinder(centreX: size - 4, centreY: 3)
        drawFinder(centreX: 3, centreY: size - 4)
        // Alignment patterns at every pairing of the listed centres but the finder corners.
        let centres = QRTables.alignmentCentres[version - 1]
        for (row, centreY) in centres.enumerated() {
            for (column, centreX) in centres.enumerated() {
                let last = centres.count - 1
                let onFinder = (row == 0 && column == 0) || (row == 0 && column == last) || (row == last && column == 0)
                if !onFinder {
                    drawAlignment(centreX: centreX, centreY: centreY)
                }
            }
        }
        // Reserve both copies of the format information; the dark module beside the
        // lower-left finder is part of the pattern and always dark.
        for (x, y) in Self.formatPositions(size: size).flatMap({ $0 }) {
            setFunction(x: x, y: y, dark: false)
        }
        setFunction(x: 8, y: size - 8, dark: true)
        if version >= 7 {
            drawVersion()
        }
    }

    subscript(x: Int, y: Int) -> Bool {
        dark[y * size + x]
    }

    private mutating func setFunction(x: Int, y: Int, dark value: Bool) {
        dark[y * size + x] = value
        isFunction[y * size + x] = true
    }

    /// A 7×7 finder (dark ring, light ring, dark 3×3 core) and the light one-module
    /// separator around it, clipped at the symbol's edges.
    private mutating func drawFinder(centreX: Int, centreY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centreX + dx
                let y = centreY + dy
                guard x >= 0, x < size, y >= 0, y < size else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// A 5×5 alignment pattern: dark ring, light ring, dark centre.
    private mutating func drawAlignment(centreX: Int, centreY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x: centreX + dx, y: centreY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// The modules of the two copies of the 15 format bits, bit 0 (least significant) first.
    /// The first copy wraps around the top-left finder: down column 8 from row 0 to row 8
    /// (skipping the timing row 6), then left along row 8 to column 0 (skipping column 6). The
    /// second is split between row 8 at the right edge (bits 0–7, from the edge inwards) and
    /// column 8 at the bottom (bits 8–14, downwards from row size − 7).
    static func formatPositions(size: Int) -> [[(x: Int, y: Int)]] {
        var first: [(x: Int, y: Int)] = (0...5).map { (x: 8, y: $0) }
        first += [(x: 8, y: 7), (x: 8, y: 8), (x: 7, y: 8)]
        first += (9..<15).map { (x: 14 - $0, y: 8) }
        var second: [(x: Int, y: Int)] = (0..<8).map { (x: size - 1 - $0, y: 8) }
        second += (8..<15).map { (x: 8, y: size - 15 + $0) }
        return [first, second]
    }

    /// The 15-bit format information: the level's two bits and the three mask bits,
    /// followed by ten check bits of the (15, 5) BCH code with generator 0x537, and
    /// exclusive-or'ed with 0x5412 so that it is never all light.
    static func formatBits(correction: QRCode.Correction, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        return (data << 10 | bchRemainder(data << 10, generator: 0x537)) ^ 0x5412
    }

    /// The 18-bit version information: six bits of version number and twelve check bits of
    /// the (18, 6) BCH code with generator 0x1F25. Symbols from version 7 carry it.
    static func versionBits(_ version: Int) -> Int {
        version << 12 | bchRemainder(version << 12, generator: 0x1F25)
    }

    /// The remainder of the polynomial `value` (over GF(2), one bit per coefficient)
    /// divided by `generator`.
    private static func bchRemainder(_ value: Int, generator: Int) -> Int {
        let degree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var remainder = value
        while remainder != 0, Int.bitWidth - remainder.leadingZeroBitCount - 1 >= degree {
            let shift = Int.bitWidth - remainder.leadingZeroBitCount - 1 - degree
            remainder ^= generator << shift
        }
        return remainder
    }

    /// Writes both copies of the format information for a level and mask.
    mutating func drawFormat(correction: QRCode.Correction, mask: Int) {
        let bits = Self.formatBits(correction: correction, mask: mask)
        for copy in Self.formatPositions(size: size) {
            for (bit, position) in copy.enumerated() {
                dark[position.y * size + position.x] = (bits >> bit) & 1 == 1
            }
        }
    }

    /// Both copies of the version information: a 6×3 block left of the top-right finder
    /// and its transpose, a 3×6 block above the bottom-left finder. Bit i sits at row i / 3,
    /// column size − 11 + i % 3 of the first.
    private mutating func drawVersion() {
        let bits = Self.versionBits(version)
        for bit in 0..<18 {
            let value = (bits >> bit) & 1 == 1
            let across = size - 11 + bit % 3
            let down = bit / 3
            setFunction(x: across, y: down, dark: value)
            setFunction(x: down, y: across, dark: value)
        }
    }

    /// Places the codewords, most significant bit first, in the data region: in two-module
    /// wide columns from the right edge leftwards, alternately upwards and downwards,
    /// right module before left, skipping function modules and the vertical timing column.
    /// Modules left over after the last codeword are the remainder bits and stay light (0).
    mutating func placeData(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var bitIndex = 0
        var upwards = true
        var right = size - 1
        while right >= 1 {
            if right == 6 {
                right = 5
            }
            for step in 0..<size {
                let y = upwards ? size - 1 - step : step
                for x in [right, right - 1] where !isFunction[y * size + x] && bitIndex < bitCount {
                    let byte = codewords[bitIndex >> 3]
                    dark[y * size + x] = (byte >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                    bitIndex += 1
                }
            }
            upwards.toggle()
            right -= 2
        }
    }

    /// Whether mask pattern `mask` (0–7, as numbered in the standard) inverts the module at
    /// row `y`, column `x`.
    static func maskInverts(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (y + x) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (y + x) % 3 == 0
        case 4: (y / 2 + x / 3) % 2 == 0
        case 5: (y * x) % 2 + (y * x) % 3 == 0
        case 6: ((y * x) % 2 + (y * x) % 3) % 2 == 0
        default: ((y + x) % 2 + (y * x) % 3) % 2 == 0
        }
    }

    /// Inverts the data-region modules the mask selects; function modules are never masked.
    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.maskInverts(mask, x: x, y: y) {
                dark[y * size + x].toggle()
            }
        }
    }
}
