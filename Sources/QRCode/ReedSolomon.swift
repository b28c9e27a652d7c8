/// Reed–Solomon error correction as QR codes use it: arithmetic in the finite field GF(256)
/// built on the polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D) with α = 2, and a generator
/// polynomial (x − α⁰)(x − α¹)…(x − αⁿ⁻¹) for n error-correction codewords.
///
/// The error-correction codewords of a block are the remainder of the block's data,
/// read as a polynomial with the first byte as the highest coefficient and multiplied by xⁿ,
/// divided by the generator. A reader can then repair up to n/2 damaged codewords per block.
enum ReedSolomon {
    /// αⁱ for i in 0..<510: twice the field's cycle of 255, so that the exponent sum of a
    /// product needs no reduction modulo 255.
    static let exponents: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for index in 0..<510 {
            table[index] = UInt8(value)
            value <<= 1
            if value > 0xFF {
                value ^= 0x11D
            }
        }
        return table
    }()

    /// The discrete logarithm: `logarithms[αⁱ] == i` for every non-zero field element; the
    /// entry for 0 is unused.
    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for index in 0..<255 {
            table[Int(exponents[index])] = index
        }
        return table
    }()

    /// The product of two field elements (addition in the field is exclusive or).
    static func multiply(_ lhs: UInt8, _ rhs: UInt8) -> UInt8 {
        if lhs == 0 || rhs == 0 {
            return 0
        }
        return exponents[logarithms[Int(lhs)] + logarithms[Int(rhs)]]
    }

    /// The generator polynomial of the given degree, highest coefficient first; the leading
    /// coefficient is always 1, so the result has `degree + 1` entries.
    static func generator(degree: Int) -> [UInt8] {
        var polynomial: [UInt8] = [1]
        for power in 0..<degree {
            // Multiply by (x + αᵖᵒʷᵉʳ): shift up one degree, then add αᵖᵒʷᵉʳ times the old terms.
            let root = exponents[power]
            var next = polynomial + [0]
            for (index, coefficient) in polynomial.enumerated() {
                next[index + 1] ^= multiply(coefficient, root)
            }
            polynomial = next
        }
        return polynomial
    }

    /// The `degree` error-correction codewords for one block of data codewords.
    static func remainder(of data: [UInt8], degree: Int) -> [UInt8] {
        let divisor = generator(degree: degree)
        var remainder = [UInt8](repeating: 0, count: degree)
        for byte in data {
            // Long division, one coefficient at a time: the term leaving the top decides how
            // many times the generator is subtracted (exclusive-or'ed) from what remains.
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for index in 0..<degree {
                remainder[index] ^= multiply(divisor[index + 1], factor)
            }
        }
        return remainder
    }
}
