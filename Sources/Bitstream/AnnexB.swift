/// Annex-B byte streams (ITU-T H.264/H.265 Annex B): NAL units separated by start codes
/// `00 00 01` or `00 00 00 01`.
public enum AnnexB {
    /// The NAL units in `bytes`, without their start codes. Bytes before the first start
    /// code are not a NAL unit and are ignored.
    public static func nalUnits(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var start: Int? = nil
        var i = 0
        let n = bytes.count
        while i + 2 < n {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 1 {
                if let s = start { units.append(trimmed(bytes[s..<i])) }
                i += 3
                start = i
            } else if bytes[i + 2] > 1 {
                i += 3  // no start code can begin at i, i+1 or i+2 ends at this byte
            } else {
                i += 1
            }
        }
        // The stream may end in trailing_zero_8bits (B.1.1): they are not part of the unit.
        if let s = start, s < n { units.append(trimmed(bytes[s..<n])) }
        return units.filter { !$0.isEmpty }
    }

    /// Drops the trailing zero bytes that belong to the next four-byte start code (a NAL
    /// unit never ends in a zero byte).
    private static func trimmed(_ unit: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = unit.endIndex
        while end > unit.startIndex, unit[end - 1] == 0 { end -= 1 }
        return unit[unit.startIndex..<end]
    }

    /// The units with a 4-byte big-endian length before each: the form Matroska and MP4
    /// store (`lengthSizeMinusOne` = 3 in avcC/hvcC).
    public static func lengthPrefixed(_ units: [ArraySlice<UInt8>]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(units.reduce(0) { $0 + $1.count + 4 })
        for unit in units {
            let n = UInt32(unit.count)
            out += [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
            out += unit
        }
        return out
    }

    /// The payload of a NAL unit with emulation-prevention bytes (`00 00 03`) removed.
    public static func rbsp(_ unit: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(unit.count)
        var zeros = 0
        for byte in unit {
            if zeros >= 2 && byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }
}
