/// A QR code symbol (ISO/IEC 18004, "Model 2") holding a run of bytes in byte mode.
///
/// Encoding picks the smallest version (1 to 40, 21 to 177 modules a side) that holds the
/// bytes at the requested error-correction level, adds Reed–Solomon codewords block by
/// block, interleaves the blocks, places the bits around the function patterns, and keeps
/// the one of the eight masks the standard's penalty rules rate best.
///
/// The level is kept as requested, never raised to fill spare room, so the same text and
/// level always give the same symbol.
public struct QRCode: Sendable {
    /// How much of the symbol may be damaged or unreadable and still be recovered: roughly
    /// 7 % (low), 15 % (medium), 25 % (quartile) or 30 % (high) of the codewords. Higher
    /// levels spend more of the symbol on error correction and so need larger versions.
    public enum Correction: Sendable {
        case low, medium, quartile, high
    }

    /// Modules per side: 21 for version 1 and 4 more for each version above.
    public let size: Int
    /// The version (1 to 40): the smallest that holds the bytes at the level asked for.
    public let version: Int
    /// The level the symbol was made with.
    let correction: Correction
    /// The mask pattern (0 to 7) chosen by the penalty rules.
    let mask: Int
    /// Row-major, `true` for dark.
    private let modules: [Bool]

    /// Encodes `bytes` in byte mode at the given error-correction level.
    ///
    /// - Throws: `QRCodeError` if the bytes do not fit in a version 40 symbol at this level;
    ///   its message gives the most that fit.
    public init(bytes: [UInt8], correction: Correction = .medium) throws(QRCodeError) {
        try self.init(bytes: bytes, correction: correction, forcedMask: nil)
    }

    /// Encodes like the public initialiser; `forcedMask` (0–7) skips the penalty evaluation
    /// and uses that mask, so a symbol can be compared with another encoder's.
    init(bytes: [UInt8], correction: Correction, forcedMask: Int?) throws(QRCodeError) {
        guard let version = Self.smallestVersion(byteCount: bytes.count, correction: correction) else {
            throw QRCodeError.tooLong(byteCount: bytes.count, correction: correction)
        }
        let data = Self.dataCodewords(bytes, version: version, correction: correction)
        var base = QRMatrix(version: version)
        base.placeData(Self.interleavedCodewords(data, version: version, correction: correction))

        var best: (matrix: QRMatrix, mask: Int, penalty: Int)?
        for mask in forcedMask.map({ [$0] }) ?? Array(0..<8) {
            var candidate = base
            candidate.applyMask(mask)
            candidate.drawFormat(correction: correction, mask: mask)
            let penalty = forcedMask == nil ? candidate.penalty() : 0
            if best.map({ penalty < $0.penalty }) ?? true {
                best = (candidate, mask, penalty)
            }
        }
        let chosen = best ?? (base, 0, 0)
        self.version = version
        self.size = chosen.matrix.size
        self.correction = correction
        self.mask = chosen.mask
        self.modules = chosen.matrix.dark
    }

    /// Whether the module at column `x`, row `y` is dark, with (0, 0) the top-left module.
    /// Coordinates outside the symbol are light, as the quiet zone around it is.
    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, x < size, y >= 0, y < size else { return false }
        return modules[y * size + x]
    }

    /// The smallest version holding `byteCount` bytes at the level, or nil if none does.
    static func smallestVersion(byteCount: Int, correction: Correction) -> Int? {
        QRTables.versions.first { QRTables.byteCapacity(version: $0, correction: correction) >= byteCount }
    }

    /// The most bytes any supported version holds at the level.
    static func maximumBytes(correction: Correction) -> Int {
        QRTables.byteCapacity(version: QRTables.versions.upperBound, correction: correction)
    }

    /// The data codewords: mode indicator 0100 (byte mode), the count of bytes, the bytes,
    /// a terminator of up to four zero bits, zero bits to the next byte boundary, then the
    /// pad bytes 0xEC and 0x11 alternately until the symbol's data capacity is filled.
    static func dataCodewords(_ bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let capacity = QRTables.dataCodewords(version: version, correction: correction)
        var writer = BitWriter()
        writer.append(0b0100, bits: 4)
        writer.append(bytes.count, bits: QRTables.countBits(version: version))
        for byte in bytes {
            writer.append(Int(byte), bits: 8)
        }
        writer.append(0, bits: min(4, capacity * 8 - writer.bitCount))
        writer.append(0, bits: (8 - writer.bitCount % 8) % 8)
        var codewords = writer.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits the data codewords into the version's blocks, computes each block's
    /// error-correction codewords, and interleaves them: the first data codeword of every
    /// block, then the second of every block, and so on, then the error-correction codewords
    /// likewise. When the data does not divide evenly the later blocks are one codeword
    /// longer, and their last codewords come after every block's others.
    static func interleavedCodewords(_ data: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let blockCount = QRTables.blockCount[correction.tableIndex][version - 1]
        let ecLength = QRTables.ecCodewordsPerBlock[correction.tableIndex][version - 1]
        let shortLength = data.count / blockCount
        let longBlocks = data.count % blockCount

        var dataBlocks: [[UInt8]] = []
        var start = 0
        for block in 0..<blockCount {
            let length = shortLength + (block >= blockCount - longBlocks ? 1 : 0)
            dataBlocks.append(Array(data[start..<(start + length)]))
            start += length
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder(of: $0, degree: ecLength) }

        var result: [UInt8] = []
        result.reserveCapacity(QRTables.totalCodewords[version - 1])
        for index in 0...shortLength {
            for block in dataBlocks where index < block.count {
                result.append(block[index])
            }
        }
        for index in 0..<ecLength {
            for block in ecBlocks {
                result.append(block[index])
            }
        }
        return result
    }
}

/// Why a QR code could not be made: the only cause is text too long for the largest symbol.
public struct QRCodeError: Error, CustomStringConvertible, Sendable {
    public var description: String

    static func tooLong(byteCount: Int, correction: QRCode.Correction) -> QRCodeError {
        let maximum = QRCode.maximumBytes(correction: correction)
        return QRCodeError(
            description: "text of \(byteCount) bytes is too long for a QR code at error correction level "
                + "\(correction.name): at most \(maximum) bytes fit")
    }
}

/// Collects a bit stream most significant bit first and hands it over as bytes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0

    /// Appends the low `bits` bits of `value`, highest first.
    mutating func append(_ value: Int, bits: Int) {
        for shift in stride(from: bits - 1, through: 0, by: -1) {
            if bitCount % 8 == 0 {
                bytes.append(0)
            }
            if (value >> shift) & 1 == 1 {
                bytes[bytes.count - 1] |= UInt8(0x80 >> (bitCount % 8))
            }
            bitCount += 1
        }
    }
}
