/// Values in `key=value` log lines (logfmt), written so that outside text — a camera name
/// from a URL, an error message, a peer's input — can never forge a field or a line: a
/// value of plain characters stands bare; anything else is quoted, with `"` and `\`
/// escaped and control characters written as `\n`, `\r`, `\t` or `\u{…}`.
public enum LogField {
    /// `site-042` stays as it is; `a "b"` becomes `"a \"b\""`.
    public static func value(_ text: String) -> String {
        let plain = !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "/"),
                UInt8(ascii: "@"), UInt8(ascii: "+"), UInt8(ascii: ","):
                true
            default: false
            }
        }
        return plain ? text : quoted(text)
    }

    /// Always quoted (free text: messages, details), escaped as `value` describes.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `event=stored gateway=site-042 detail="…"`: the event, then each field as `value`
    /// writes it.
    public static func line(_ event: String, _ fields: KeyValuePairs<String, String>) -> String {
        var line = "event=\(value(event))"
        for (key, text) in fields { line += " \(key)=\(value(text))" }
        return line
    }
}
