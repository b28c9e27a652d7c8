import EdgeSystem

/// zlib's `uncompress`, loaded at run time: a few C2SP vectors are stored zlib-compressed
/// (they expand to 16 MiB), and libz.so.1 is on every Debian system, so the test target
/// needs no zlib module of its own.
enum Zlib {
    private typealias Uncompress = @convention(c) (
        UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?, UnsafePointer<UInt8>?, UInt
    ) -> Int32

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func inflate(_ input: [UInt8]) throws -> [UInt8] {
        guard let library = dlopen("libz.so.1", RTLD_NOW), let symbol = dlsym(library, "uncompress") else {
            throw Failure(description: "libz.so.1 not found: cannot read zlib-compressed vectors")
        }
        let uncompress = unsafeBitCast(symbol, to: Uncompress.self)
        var capacity = max(input.count * 64, 1 << 16)
        while capacity <= 1 << 26 {
            var output = [UInt8](repeating: 0, count: capacity)
            var length = UInt(capacity)
            let status = uncompress(&output, &length, input, UInt(input.count))
            if status == 0 { return Array(output[..<Int(length)]) }
            if status != -5 { throw Failure(description: "zlib uncompress failed: \(status)") }  // -5: Z_BUF_ERROR
            capacity *= 4
        }
        throw Failure(description: "zlib payload larger than 64 MiB")
    }
}
