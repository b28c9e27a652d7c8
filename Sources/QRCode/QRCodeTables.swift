/// The numbers ISO/IEC 18004 fixes for each version (symbol size) and error-correction level:
/// how many codewords a symbol holds, how they are split into Reed–Solomon blocks, and where
/// the alignment patterns sit. Every supported version, 1 through 40, is listed.
enum QRTables {
    /// The versions this encoder produces: all that the standard defines.
    static let versions = 1...40

    /// Total codewords (data and error correction) of each version, from the standard's table
    /// of symbol capacities; index 0 is version 1. A symbol's data region holds exactly this
    /// many bytes plus 0 to 7 remainder bits.
    static let totalCodewords: [Int] = [
        26, 44, 70, 100, 134, 172, 196, 242, 292, 346,
        404, 466, 532, 581, 655, 733, 815, 901, 991, 1085,
        1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185,
        2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532, 3706,
    ]

    /// Error-correction codewords in every block, for levels L, M, Q and H (outer index, in
    /// the order of `QRCode.Correction`) and versions 1 to 40 (inner index). Within one
    /// symbol all blocks carry the same number of error-correction codewords.
    static let ecCodewordsPerBlock: [[Int]] = [
        [
            7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
            28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        [
            10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
            26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        ],
        [
            13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
            28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        [
            17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
            30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
    ]

    /// Number of Reed–Solomon blocks the codewords are split into, indexed like
    /// `ecCodewordsPerBlock`. Long messages are split so that no block exceeds what one
    /// Reed–Solomon code over GF(256) can protect, and so that a burst of damage (a smudge)
    /// is spread over several blocks by the interleaving.
    static let blockCount: [[Int]] = [
        [
            1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
            8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
        ],
        [
            1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
            17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
        ],
        [
            1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
            23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
        ],
        [
            1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
            25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
        ],
    ]

    /// Row and column coordinates of the alignment pattern centres for each version (index 0
    /// is version 1, which has none). Patterns sit at every pairing of these coordinates
    /// except the three corners taken by the finder patterns.
    static let alignmentCentres: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82], [6, 30, 58, 86],
        [6, 34, 62, 90], [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118], [6, 26, 50, 74, 98, 122],
        [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130], [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138],
        [6, 30, 58, 86, 114, 142], [6, 34, 62, 90, 118, 146], [6, 30, 54, 78, 102, 126, 150],
        [6, 24, 50, 76, 102, 128, 154], [6, 28, 54, 80, 106, 132, 158], [6, 32, 58, 84, 110, 136, 162],
        [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]

    /// Data codewords of a symbol: its total less the error-correction codewords of all blocks.
    static func dataCodewords(version: Int, correction: QRCode.Correction) -> Int {
        let level = correction.tableIndex
        let ecTotal = blockCount[level][version - 1] * ecCodewordsPerBlock[level][version - 1]
        return totalCodewords[version - 1] - ecTotal
    }

    /// Width of the byte-mode character count field: 8 bits up to version 9, then 16.
    static func countBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// The most bytes a symbol holds in byte mode: the data codewords less the 4-bit mode
    /// indicator and the character count field.
    static func byteCapacity(version: Int, correction: QRCode.Correction) -> Int {
        let bits = dataCodewords(version: version, correction: correction) * 8 - 4 - countBits(version: version)
        return bits / 8
    }
}

extension QRCode.Correction {
    /// Position in the tables above: L, M, Q, H.
    var tableIndex: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .quartile: 2
        case .high: 3
        }
    }

    /// The two bits the format information uses for the level: note they are not in the
    /// order of strength (L = 01, M = 00, Q = 11, H = 10).
    var formatBits: Int {
        switch self {
        case .low: 0b01
        case .medium: 0b00
        case .quartile: 0b11
        case .high: 0b10
        }
    }

    /// A name for messages.
    var name: String {
        switch self {
        case .low: "low (L)"
        case .medium: "medium (M)"
        case .quartile: "quartile (Q)"
        case .high: "high (H)"
        }
    }
}
