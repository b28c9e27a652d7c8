/// Strict base64 (RFC 4648 standard alphabet), the one encoder and decoder of the
/// project: age header fields (unpadded) and armor (padded), minisign keys and signatures,
/// the upload protocol's `Edge-Manifest` and `Edge-Signature` headers (padded).
///
/// Decoding rejects every non-canonical text (non-zero unused bits, misplaced padding,
/// whitespace), so each byte string has exactly one valid text form: a signed or MACed
/// field cannot be altered without breaking its check.
public enum Base64 {
    private static let alphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = Int8(index) }
        return table
    }()

    public static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes, padded: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = second == nil ? nil : iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            let count = third != nil ? 4 : second != nil ? 3 : 2
            for index in 0..<count { out.append(alphabet[Int(group >> (18 - 6 * index)) & 63]) }
            if padded { for _ in count..<4 { out.append(UInt8(ascii: "=")) } }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `text`, or returns nil when it is not the canonical encoding of anything.
    public static func decode<Text: Collection<UInt8>>(_ text: Text, padded: Bool) -> [UInt8]? {
        var symbols = Array(text)
        if padded {
            guard symbols.count % 4 == 0 else { return nil }
            var padding = 0
            while padding < 2, symbols.last == UInt8(ascii: "=") {
                symbols.removeLast()
                padding += 1
            }
        }
        guard symbols.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for symbol in symbols {
            let value = values[Int(symbol)]
            guard value >= 0 else { return nil }  // also rejects '=' in the middle
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }  // non-canonical: unused bits set
        return out
    }
}
