/// Reads a fuzz input as a sequence of choices, so one byte string drives a structured
/// test (which mode, how long, which flag). Reading past the end gives zeros and empty
/// slices: every input, however short, is a valid test.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset >= bytes.count }
    public var remaining: Int { max(0, bytes.count - offset) }

    public mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A big-endian 16-bit number.
    public mutating func uint16() -> Int { Int(byte()) << 8 | Int(byte()) }

    /// A number in `range`, from as few bytes as the range needs.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = range.upperBound - range.lowerBound
        let raw = span < 256 ? Int(byte()) : span < 65536 ? uint16() : uint16() << 16 | uint16()
        return range.lowerBound + raw % (span + 1)
    }

    /// The next `count` bytes (fewer at the end of the input).
    public mutating func bytes(_ count: Int) -> ArraySlice<UInt8> {
        let end = min(bytes.count, offset + max(0, count))
        defer { offset = max(offset, end) }
        return offset < end ? bytes[offset..<end] : []
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { Array(bytes(remaining)) }
}

extension Collection where Element == UInt8 {
    /// The pieces between occurrences of `separator` (empty pieces kept), like
    /// `split(separator:)` for a separator longer than one byte.
    public func pieces(separatedBy separator: [UInt8]) -> [SubSequence] {
        var out: [SubSequence] = []
        var pieceStart = startIndex
        var i = startIndex
        while i != endIndex {
            if self[i...].starts(with: separator) {
                out.append(self[pieceStart..<i])
                i = index(i, offsetBy: separator.count)
                pieceStart = i
            } else {
                i = index(after: i)
            }
        }
        out.append(self[pieceStart..<endIndex])
        return out
    }
}
