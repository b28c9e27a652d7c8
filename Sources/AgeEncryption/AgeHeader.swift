import EdgeCrypto

/// One recipient stanza: `-> TYPE ARG…` then a base64 body.
struct Stanza: Equatable {
    var type: String
    var arguments: [String]
    var body: [UInt8]
}

/// The age v1 header: the version line, the stanzas, and the MAC line.
///
/// Parsing is strict (the C2SP spec and the reference implementation agree): LF line ends
/// only, canonical unpadded base64, 64-column body lines ending with a short (possibly
/// empty) line, arguments of printable ASCII. Any other byte string is not a header, so
/// no two encodings share a MAC.
struct AgeHeader {
    static let versionLine = Array("age-encryption.org/v1\n".utf8)
    static let bodyColumns = 64
    static let bodyBytesPerLine = 48
    /// A bound on header size, so a hostile file cannot make the reader buffer without end.
    static let maxLines = 16384
    static let maxLineLength = 16384

    var stanzas: [Stanza]
    /// The 32-byte HMAC-SHA-256 from the `---` line.
    var mac: [UInt8]
    /// What the MAC covers: every header byte up to and including `---`.
    var macInput: [UInt8]

    /// The header text up to and including `---`, for the writer to MAC.
    static func encodeWithoutMAC(_ stanzas: [Stanza]) -> [UInt8] {
        var out = versionLine
        for stanza in stanzas {
            out += Array((["->", stanza.type] + stanza.arguments).joined(separator: " ").utf8)
            out.append(UInt8(ascii: "\n"))
            var body = stanza.body[...]
            // Full 48-byte lines, then one short line — empty when the body is a multiple
            // of 48 bytes — so the reader knows where the body ends.
            while true {
                let line = body.prefix(bodyBytesPerLine)
                body = body.dropFirst(line.count)
                out += Array(Base64.encode(line, padded: false).utf8)
                out.append(UInt8(ascii: "\n"))
                if line.count < bodyBytesPerLine { break }
            }
        }
        out += Array("---".utf8)
        return out
    }

    static func parse(_ input: BufferedSource) throws -> AgeHeader {
        var consumed: [UInt8] = []
        var lineCount = 0
        func nextLine() throws -> [UInt8] {
            lineCount += 1
            guard lineCount <= maxLines else { throw headerError("more than \(maxLines) lines") }
            guard let line = try input.readLine(limit: maxLineLength) else {
                throw headerError("a line is longer than \(maxLineLength) bytes")
            }
            guard line.last == UInt8(ascii: "\n") else {
                throw headerError(line.isEmpty ? "the file is empty or ends inside the header" : "the file ends inside the header")
            }
            consumed += line
            return Array(line.dropLast())
        }

        let intro = try nextLine() + [UInt8(ascii: "\n")]
        guard intro == versionLine else {
            if intro.starts(with: Array("age-encryption.org/".utf8)) {
                throw headerError("unsupported version \(quoted(intro.dropLast())); this reader knows age-encryption.org/v1")
            }
            throw headerError("the first line is \(quoted(intro.dropLast())), not 'age-encryption.org/v1'")
        }

        var stanzas: [Stanza] = []
        while true {
            let line = try nextLine()
            if line.starts(with: Array("---".utf8)) {
                let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].elementsEqual("---".utf8) else {
                    throw headerError("malformed MAC line \(quoted(line))")
                }
                guard let mac = Base64.decode(parts[1], padded: false), mac.count == 32 else {
                    throw headerError("the header MAC is not 32 bytes of canonical base64")
                }
                let macInput = Array(consumed.dropLast(line.count + 1 - 3))
                return AgeHeader(stanzas: stanzas, mac: mac, macInput: macInput)
            }
            guard line.starts(with: Array("->".utf8)) else {
                throw headerError("unexpected line \(quoted(line)): expected '-> ' (a stanza) or '---'")
            }
            let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard parts[0].elementsEqual("->".utf8), parts.count >= 2 else {
                throw headerError("malformed stanza line \(quoted(line))")
            }
            for argument in parts.dropFirst() where argument.isEmpty || !argument.allSatisfy({ $0 >= 33 && $0 <= 126 }) {
                throw headerError("stanza argument is empty or not printable ASCII in \(quoted(line))")
            }
            var body: [UInt8] = []
            while true {
                let bodyLine = try nextLine()
                guard bodyLine.count <= bodyColumns else {
                    throw headerError("a stanza body line is longer than \(bodyColumns) columns")
                }
                guard let bytes = Base64.decode(bodyLine, padded: false) else {
                    throw headerError("stanza body line \(quoted(bodyLine)) is not canonical unpadded base64")
                }
                body += bytes
                if bytes.count < bodyBytesPerLine { break }
            }
            let words = parts.dropFirst().map { String(decoding: $0, as: UTF8.self) }
            stanzas.append(Stanza(type: words[0], arguments: Array(words.dropFirst()), body: body))
        }
    }

    private static func headerError(_ message: String) -> AgeError {
        AgeError(.header, "bad header: \(message)")
    }

    /// A header line for an error message: printable ASCII kept, anything else escaped,
    /// and cut short so a garbage file cannot flood the log.
    private static func quoted<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var text = ""
        for byte in bytes.prefix(80) {
            text += byte >= 32 && byte < 127 ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }
        return "'" + text + (bytes.count > 80 ? "…'" : "'")
    }
}
