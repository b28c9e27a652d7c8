/// POSIX ustar headers, written one way only: regular files, owner root, mtime 0, mode
/// 0644 or 0755. A release's archive is read by comparing each header with the one this
/// type writes for the expected name and size, so no other tar dialect needs parsing and
/// `tar -xf` still opens it.
enum TarHeader {
    static let blockSize = 512
    /// Archives end on a 10240-byte record, as POSIX and GNU tar write them.
    static let recordSize: Int64 = 10240

    /// `size` rounded up to whole blocks.
    static func padded(_ size: Int64) -> Int64 { (size + 511) / 512 * 512 }

    static func make(name: String, size: Int64, executable: Bool) -> [UInt8] {
        precondition(name.utf8.count < 100 && size >= 0 && size < 1 << 33)
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at offset: Int) {
            for (n, byte) in text.utf8.enumerated() { block[offset + n] = byte }
        }
        put(name, at: 0)
        put(executable ? "0000755" : "0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(octal(size, digits: 11), at: 124)
        put("00000000000", at: 136)
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        put("root", at: 265)
        put("root", at: 297)
        put("0000000", at: 329)
        put("0000000", at: 337)
        // The checksum is the sum of the header's bytes with its own field read as spaces.
        put("        ", at: 148)
        let sum = block.reduce(0) { $0 + Int64($1) }
        put(octal(sum, digits: 6), at: 148)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// The name and size a header claims, for the two members whose size is not known in
    /// advance; nil when the fields are not text as `make` writes it.
    static func nameAndSize(_ block: [UInt8]) -> (name: String, size: Int64)? {
        guard block.count == blockSize, let end = block[0..<100].firstIndex(of: 0), end > 0 else { return nil }
        var size: Int64 = 0
        for byte in block[124..<135] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte) else { return nil }
            size = size * 8 + Int64(byte - UInt8(ascii: "0"))  // 11 octal digits: below 2^33
        }
        return (String(decoding: block[0..<end], as: UTF8.self), size)
    }

    private static func octal(_ value: Int64, digits: Int) -> String {
        let text = String(value, radix: 8)
        return String(repeating: "0", count: max(0, digits - text.utf8.count)) + text
    }
}
