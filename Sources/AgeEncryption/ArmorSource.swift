import EdgeCrypto

/// Decodes age's ASCII armor as it is read: PEM with type `AGE ENCRYPTED FILE`, 64-column
/// lines of padded, canonical base64, no PEM headers, LF or CRLF line ends, and only
/// whitespace (at most 1 KiB) around it — the rules of the reference implementation
/// (`filippo.io/age/armor`), which the C2SP test vectors pin down.
final class ArmorSource: AgeByteSource {
    static let beginLine = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)
    static let endLine = Array("-----END AGE ENCRYPTED FILE-----".utf8)
    private static let maxWhitespace = 1024
    private static let columns = 64

    private let input: BufferedSource
    private var started = false
    private var finished = false
    private var decoded: [UInt8] = []
    private var decodedOffset = 0

    init(_ input: BufferedSource) {
        self.input = input
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while decodedOffset == decoded.count {
            if finished { return 0 }
            try decodeNextLine()
        }
        let count = min(buffer.count, decoded.count - decodedOffset)
        decoded.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[decodedOffset..<decodedOffset + count]))
        }
        decodedOffset += count
        return count
    }

    private func decodeNextLine() throws {
        if !started { try skipToBeginLine() }
        let line = try nextLine()
        if line == Self.endLine {
            try checkTrailingWhitespace()
            return
        }
        // An empty line would decode to nothing and pass for a short last line.
        guard !line.isEmpty else { throw AgeError(.armor, "empty line inside the armor") }
        guard line.count <= Self.columns else {
            throw AgeError(.armor, "armor line longer than \(Self.columns) columns")
        }
        guard let bytes = Base64.decode(line, padded: true) else {
            throw AgeError(.armor, "armor line is not canonical padded base64")
        }
        decoded = bytes
        decodedOffset = 0
        // Only the last line may be short, and the end line must follow it at once.
        if bytes.count < Self.columns / 4 * 3 {
            guard try nextLine() == Self.endLine else {
                throw AgeError(.armor, "a short armor line is not followed by '-----END AGE ENCRYPTED FILE-----'")
            }
            try checkTrailingWhitespace()
        }
    }

    private func skipToBeginLine() throws {
        var skipped = 0
        while true {
            let line = try nextLine()
            if line.allSatisfy(Self.isWhitespace) {
                skipped += line.count + 1
                guard skipped <= Self.maxWhitespace else {
                    throw AgeError(.armor, "more than 1 KiB of whitespace before the armor")
                }
                continue
            }
            guard line == Self.beginLine else {
                throw AgeError(
                    .armor,
                    "not an age file: it starts neither with 'age-encryption.org/v1' nor with "
                        + "'-----BEGIN AGE ENCRYPTED FILE-----'")
            }
            started = true
            return
        }
    }

    /// The next line without its `\n` and one `\r` before it.
    private func nextLine() throws -> [UInt8] {
        guard var line = try input.readLine(limit: 4096) else {
            throw AgeError(.armor, "armor line longer than \(Self.columns) columns")
        }
        if line.isEmpty { throw AgeError(.armor, "the armor ends before '-----END AGE ENCRYPTED FILE-----'") }
        if line.last == UInt8(ascii: "\n") { line.removeLast() }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }

    private func checkTrailingWhitespace() throws {
        finished = true
        try input.fill(atLeast: Self.maxWhitespace)
        let rest = input.peek(Self.maxWhitespace)
        guard rest.allSatisfy(Self.isWhitespace) else {
            throw AgeError(.armor, "data after '-----END AGE ENCRYPTED FILE-----'")
        }
        guard rest.count < Self.maxWhitespace else {
            throw AgeError(.armor, "more than 1 KiB of whitespace after the armor")
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 32 || (byte >= 9 && byte <= 13)
    }
}
