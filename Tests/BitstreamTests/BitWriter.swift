/// Writes the bits of a hand-made parameter set: fixed-width fields and Exp-Golomb codes,
/// most significant bit first, as H.264/H.265 parameter sets are coded.
struct BitWriter {
    private var bits: [Bool] = []

    mutating func u(_ value: UInt64, _ width: Int) {
        for k in stride(from: width - 1, through: 0, by: -1) { bits.append(value >> UInt64(k) & 1 == 1) }
    }

    mutating func flag(_ on: Bool) { bits.append(on) }

    /// ue(v): `zeros` zero bits, then value + 1 in `zeros + 1` bits.
    mutating func ue(_ value: UInt64) {
        let code = value + 1
        let width = 64 - code.leadingZeroBitCount
        u(0, width - 1)
        u(code, width)
    }

    /// se(v): 1, -1, 2, -2… map to 1, 2, 3, 4…
    mutating func se(_ value: Int64) {
        ue(value > 0 ? UInt64(2 * value - 1) : UInt64(-2 * value))
    }

    /// The NAL unit: `header`, then the bits closed by the stop bit and zero padding, with
    /// emulation-prevention bytes inserted.
    func nalUnit(header: [UInt8]) -> [UInt8] {
        var all = bits + [true]
        while all.count % 8 != 0 { all.append(false) }
        let payload = stride(from: 0, to: all.count, by: 8).map { at in
            all[at..<(at + 8)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        return escaped(header + payload)
    }
}

/// `rbsp` with an emulation-prevention byte 03 after every two zero bytes that are followed
/// by a byte of 03 or less (H.264 §7.4.1), so no start code appears inside.
func escaped(_ rbsp: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var zeros = 0
    for byte in rbsp {
        if zeros >= 2 && byte <= 3 {
            out.append(3)
            zeros = 0
        }
        out.append(byte)
        zeros = byte == 0 ? zeros + 1 : 0
    }
    return out
}
