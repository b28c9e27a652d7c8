#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Annex-B byte streams (ITU-T H.264/H.265 Annex B): NAL units separated by start codes
/// `00 00 01` or `00 00 00 01`.
public enum AnnexB {
    /// The NAL units in `bytes`, without their start codes. Bytes before the first start
    /// code are not a NAL unit and are ignored.
    ///
    /// Every start code ends in the byte 01 after two zeros, so the scan looks for 01 bytes
    /// with memchr (a few per thousand in coded video) and checks the two before each:
    /// the whole picture passes through the C library's vector loop, not byte by byte.
    public static func nalUnits(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var start: Int? = nil
        let n = bytes.count
        bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, n >= 3 else { return }
            var from = 2  // a start code's 01 is at least its third byte
            while from < n, let hit = memchr(base + from, 1, n - from) {
                let p = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if b[p - 1] == 0, b[p - 2] == 0 {
                    if let s = start { append(trimmed(bytes[s..<(p - 2)]), to: &units) }
                    start = p + 1
                    from = p + 3  // the next start code's 01 is at least three bytes on
                } else {
                    from = p + 1
                }
            }
        }
        // The stream may end in trailing_zero_8bits (B.1.1): they are not part of the unit.
        if let s = start, s < n { append(trimmed(bytes[s..<n]), to: &units) }
        return units
    }

    private static func append(_ unit: ArraySlice<UInt8>, to units: inout [ArraySlice<UInt8>]) {
        if !unit.isEmpty { units.append(unit) }
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
            out += lengthPrefix(unit)
            out += unit
        }
        return out
    }

    /// The 4-byte big-endian length written before `unit` in the length-prefixed form
    /// (for writing the units where they lie, without building the whole frame again).
    public static func lengthPrefix(_ unit: ArraySlice<UInt8>) -> [UInt8] {
        let n = UInt32(unit.count)
        return [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
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
