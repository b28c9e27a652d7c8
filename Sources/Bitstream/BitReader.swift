/// Reads bits most-significant first, including the Exp-Golomb codes of H.264/H.265
/// parameter sets. Reading past the end throws instead of trapping: streams come from
/// cameras and files, which can be damaged.
struct BitReader {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8], skippingBytes: Int = 0) {
        self.bytes = bytes
        position = skippingBytes * 8
    }

    mutating func bit() throws(BitstreamError) -> UInt32 {
        guard position < bytes.count * 8 else { throw .truncated("parameter set") }
        let b = (bytes[position >> 3] >> (7 - UInt8(position & 7))) & 1
        position += 1
        return UInt32(b)
    }

    mutating func bits(_ n: Int) throws(BitstreamError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<n { v = (v << 1) | (try bit()) }
        return v
    }

    mutating func flag() throws(BitstreamError) -> Bool { try bit() == 1 }

    mutating func skip(_ n: Int) throws(BitstreamError) {
        guard position + n <= bytes.count * 8 else { throw .truncated("parameter set") }
        position += n
    }

    /// ue(v): unsigned Exp-Golomb.
    mutating func ue() throws(BitstreamError) -> UInt32 {
        var zeros = 0
        while try bit() == 0 {
            zeros += 1
            guard zeros < 32 else { throw .malformed("Exp-Golomb code longer than 32 bits") }
        }
        return zeros == 0 ? 0 : (1 << zeros) - 1 + (try bits(zeros))
    }

    /// ue(v) for a value that must not exceed `limit` (a picture size, a crop): refused
    /// here, as an `Int`, so no arithmetic on it can overflow, on 32-bit targets either.
    mutating func ue(atMost limit: Int, _ what: String) throws(BitstreamError) -> Int {
        let value = try ue()
        guard value <= UInt32(limit) else { throw .malformed("\(what) \(value) is over \(limit)") }
        return Int(value)
    }

    /// se(v): signed Exp-Golomb.
    mutating func se() throws(BitstreamError) -> Int32 {
        let k = try ue()
        return k & 1 == 1 ? Int32((k + 1) / 2) : -Int32(k / 2)
    }
}

/// What is wrong with a video bitstream.
public enum BitstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(String)
    case malformed(String)
    case missing(String)

    public var description: String {
        switch self {
        case .truncated(let what): "the \(what) ends too early"
        case .malformed(let why): "malformed bitstream: \(why)"
        case .missing(let what): "the stream has no \(what)"
        }
    }
}
