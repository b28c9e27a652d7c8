/// Parses JSON text strictly (RFC 8259): no comments, no trailing commas, no duplicate
/// keys, nesting at most 64 deep. Errors give the line and column and what was expected.
public struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    public static let maxDepth = 64

    public static func parse(_ text: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var p = JSONParser(bytes: text)
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the end of the document") }
        return v
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try parse(Array(text.utf8)) }

    private init(bytes: [UInt8]) {
        // A UTF-8 byte order mark is tolerated: some editors write one.
        self.bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard i < bytes.count else { throw error("the document ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            throw error("expected a value (did you forget the quotes around a string?)")
        default: throw error("expected a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        i += 1
        var members: [(key: String, value: JSONValue)] = []
        var keys: Set<String> = []
        skipSpace()
        if peek(UInt8(ascii: "}")) { i += 1; depth -= 1; return .object(members) }
        while true {
            skipSpace()
            if peek(UInt8(ascii: "}")) && !members.isEmpty { throw error("a comma before '}' must be followed by another member") }
            guard peek(UInt8(ascii: "\"")) else { throw error("expected a member name in double quotes") }
            let keyAt = i
            let key = try string()
            guard keys.insert(key).inserted else { throw error("duplicate key \"\(key)\"", at: keyAt) }
            skipSpace()
            guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after the member name \"\(key)\"") }
            i += 1
            skipSpace()
            members.append((key, try value()))
            skipSpace()
            if peek(UInt8(ascii: ",")) { i += 1; continue }
            if peek(UInt8(ascii: "}")) { i += 1; depth -= 1; return .object(members) }
            throw error("expected ',' or '}' after the value of \"\(key)\"")
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if peek(UInt8(ascii: "]")) { i += 1; depth -= 1; return .array(items) }
        while true {
            skipSpace()
            if peek(UInt8(ascii: "]")) && !items.isEmpty { throw error("a comma before ']' must be followed by another value") }
            items.append(try value())
            skipSpace()
            if peek(UInt8(ascii: ",")) { i += 1; continue }
            if peek(UInt8(ascii: "]")) { i += 1; depth -= 1; return .array(items) }
            throw error("expected ',' or ']' in an array")
        }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        let opening = i
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8", at: opening) }
                return s
            case UInt8(ascii: "\\"):
                let escapeAt = i
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(escapeAt)
                    let halfPair = "a \\u escape leaves half a surrogate pair (\\uD800–\\uDBFF must be followed by \\uDC00–\\uDFFF)"
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw error(halfPair, at: escapeAt)
                        }
                        i += 2
                        let low = try hex4(i - 2)
                        guard (0xDC00..<0xE000).contains(low) else { throw error(halfPair, at: escapeAt) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error(halfPair, at: escapeAt) }
                    out += Array(String(Character(u)).utf8)
                default:
                    let shown = (0x21...0x7E).contains(e) ? "\\\(Character(Unicode.Scalar(e)))" : "byte 0x\(String(e, radix: 16))"
                    throw error("unknown escape \(shown); use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX", at: escapeAt)
                }
            case 0..<0x20:
                throw error("a control character inside a string (write it as an escape such as \\n)")
            default:
                out.append(c)
                i += 1
            }
        }
        throw error("a string is not closed (missing '\"')", at: opening)
    }

    /// The four hex digits after `\u` (the escape starts at `escapeAt`). Checked digit by
    /// digit: `UInt32(_:radix:)` would also take a sign, as in `\u+041`.
    private mutating func hex4(_ escapeAt: Int) throws(JSONSyntaxError) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            guard i + k < bytes.count, let digit = Character(Unicode.Scalar(bytes[i + k])).hexDigitValue else {
                throw error("\\u must be followed by four hex digits", at: escapeAt)
            }
            v = v << 4 | UInt32(digit)
        }
        i += 4
        return v
    }

    private mutating func number() throws(JSONSyntaxError) -> String {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.i]) { p.i += 1 }
            return p.i - s
        }
        if peek(UInt8(ascii: "-")) { i += 1 }
        let intStart = i
        guard digits(&self) > 0 else { throw error("a number needs digits") }
        if bytes[intStart] == UInt8(ascii: "0") && i - intStart > 1 { throw error("numbers cannot have leading zeros", at: start) }
        if peek(UInt8(ascii: ".")) {
            i += 1
            guard digits(&self) > 0 else { throw error("a decimal point needs digits after it") }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            i += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { i += 1 }
            guard digits(&self) > 0 else { throw error("an exponent needs digits") }
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let w = Array(word.utf8)
        guard bytes.count - i >= w.count, Array(bytes[i..<(i + w.count)]) == w else {
            throw error("expected a value (did you forget the quotes around a string?)")
        }
        i += w.count
    }

    private func peek(_ c: UInt8) -> Bool { i < bytes.count && bytes[i] == c }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    /// The line and column (in characters, from 1) of byte `offset`.
    private func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for b in bytes[..<min(offset, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return (line, column)
    }

    /// An error at byte `offset`, by default where the parser stands.
    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let p = position(of: offset ?? i)
        return JSONSyntaxError(line: p.line, column: p.column, message: message)
    }
}

/// Where JSON text stops being JSON, and why.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}
