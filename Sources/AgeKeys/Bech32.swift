/// Bech32 (BIP 173), the encoding of age recipients and identities.
///
/// Unlike BIP 173, there is no 90-character limit: age drops it so that longer
/// (post-quantum) keys still fit.
package enum Bech32 {
    private static let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = Int8(index) }
        return table
    }()

    /// Encodes `data` with the human-readable part `hrp`, in lowercase.
    package static func encode(hrp: String, data: [UInt8]) -> String {
        let hrpBytes = Array(hrp.lowercased().utf8)
        let values = regroup(data, from: 8, to: 5, pad: true)!
        let check = checksum(hrp: hrpBytes, values: values)
        var out = hrpBytes
        out.append(UInt8(ascii: "1"))
        for value in values + check { out.append(alphabet[Int(value)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a Bech32 string into its lowercase human-readable part and its data.
    package static func decode(_ text: String) throws(AgeError) -> (hrp: String, data: [UInt8]) {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else {
            throw AgeError(.invalidKey, "a key contains a character outside printable ASCII")
        }
        let hasLower = bytes.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let hasUpper = bytes.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        guard !(hasLower && hasUpper) else {
            throw AgeError(.invalidKey, "a key mixes upper and lower case")
        }
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        guard let separator = lower.lastIndex(of: UInt8(ascii: "1")), separator >= 1,
            lower.count - separator - 1 >= 6
        else {
            throw AgeError(.invalidKey, "a key is not Bech32: no '1' separator or too short")
        }
        let hrp = Array(lower[..<separator])
        var values: [UInt8] = []
        for char in lower[(separator + 1)...] {
            let value = char < 128 ? Self.values[Int(char)] : -1
            guard value >= 0 else {
                // The character is not echoed: it may be part of a secret key.
                throw AgeError(.invalidKey, "a key contains a character that is not Bech32 (b, i, o and 1 are not used)")
            }
            values.append(UInt8(value))
        }
        guard polymod(expand(hrp) + values) == 1 else {
            throw AgeError(.invalidKey, "a key has a wrong Bech32 checksum (mistyped or truncated)")
        }
        guard let data = regroup(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw AgeError(.invalidKey, "a key has invalid Bech32 padding")
        }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generators: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var check: UInt32 = 1
        for value in values {
            let top = check >> 25
            check = (check & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> bit) & 1 == 1 { check ^= generators[bit] }
        }
        return check
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    private static func checksum(hrp: [UInt8], values: [UInt8]) -> [UInt8] {
        let mod = polymod(expand(hrp) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        return (0..<6).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
    }

    /// Regroups bits from `from`-bit to `to`-bit values. Without padding, leftover bits
    /// must be fewer than `from` and all zero, else the encoding is not canonical.
    private static func regroup(_ input: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var out: [UInt8] = []
        let mask = (1 << to) - 1
        for value in input {
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & mask))
            }
            accumulator &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || accumulator != 0 {
            return nil
        }
        return out
    }
}
