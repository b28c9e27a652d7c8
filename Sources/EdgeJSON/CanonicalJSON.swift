/// Writes JSON in canonical form: object keys sorted by their UTF-16 code units (as RFC
/// 8785 does), no whitespace, strings with only the escapes JSON requires. The same
/// value always gives the same bytes, so a hash or signature over them is stable.
public enum CanonicalJSON {
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out, pretty: nil)
        return out
    }

    /// Indented with two spaces, keys in document order: for people (config files, CLI output).
    public static func pretty(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, to: &out, pretty: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8], pretty indent: Int?) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.utf8)
        case .string(let s): writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent.map { $0 + 1 })
                write(item, to: &out, pretty: indent.map { $0 + 1 })
            }
            if !items.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let ordered = indent == nil ? members.sorted { Array($0.key.utf16).lexicographicallyPrecedes($1.key.utf16) } : members
            for (n, member) in ordered.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent.map { $0 + 1 })
                writeString(member.key, to: &out)
                out += Array((indent == nil ? ":" : ": ").utf8)
                write(member.value, to: &out, pretty: indent.map { $0 + 1 })
            }
            if !members.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int?) {
        guard let indent else { return }
        out.append(0x0A)
        out += [UInt8](repeating: 0x20, count: 2 * indent)
    }

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
