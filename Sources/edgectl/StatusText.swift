#if canImport(Glibc)
import Glibc
#endif
import EdgeJSON

/// How text goes to the terminal: plain, or with a little colour when standard output is
/// a terminal and `TERM` is set and not `dumb`.
struct TextStyle {
    var colour: Bool

    static func forStandardOutput() -> TextStyle {
        let term = getenv("TERM").map { String(cString: $0) } ?? ""
        return TextStyle(colour: isatty(1) == 1 && !term.isEmpty && term != "dumb")
    }

    func good(_ text: String) -> String { colour ? "\u{1B}[32m\(text)\u{1B}[0m" : text }
    func bad(_ text: String) -> String { colour ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
}

/// `edgectl status` as text: every line within 80 columns.
enum StatusText {
    static func render(_ s: JSONValue, style: TextStyle) -> String {
        var lines: [String] = []
        let gateway = s["gateway"]?.textValue ?? "?"
        let uptime = Int(s["uptimeSeconds"]?.textValue ?? "0") ?? 0
        let synced = s["clock"]?["synchronised"] == .bool(true)
        lines.append("gateway \(gateway)  firmware \(s["firmware"]?.textValue ?? "?")  up \(duration(uptime))")
        lines.append(
            "clock   \(s["clock"]?["utc"]?.textValue ?? "?")  "
                + (synced ? style.good("synchronised") : style.bad("NOT synchronised")))
        lines.append("")
        if s["cameras"]?.arrayValue?.isEmpty ?? true {
            lines.append(style.bad("no cameras configured: nothing is recorded (edgectl setup)"))
        } else {
            lines.append(pad("CAMERA", 14) + pad("STATE", 11) + pad("FORMAT", 18) + pad("FPS", 7) + pad("LAST", 8) + "DROPPED")
        }
        for c in s["cameras"]?.arrayValue ?? [] {
            let state = c["state"]?.textValue ?? "?"
            let shown = state == "streaming" ? style.good(state) : style.bad(state)
            let last = c["lastFrameAgeSeconds"]?.textValue.map { "\(short($0)) s" } ?? "-"
            lines.append(
                pad(clip(c["id"]?.textValue ?? "?", 13), 14) + shown + String(repeating: " ", count: max(1, 11 - state.count))
                    + pad(clip(c["format"]?.textValue ?? "-", 17), 18) + pad(c["fps"]?.textValue ?? "-", 7) + pad(last, 8)
                    + (c["dropped"]?.textValue ?? "0"))
            if state != "streaming", let why = c["lastFailure"]?.textValue {
                lines.append("  " + clip(why, 76))
            }
        }
        lines.append("")
        if let ring = s["ring"] {
            let bytes = Int64(ring["bytes"]?.textValue ?? "0") ?? 0
            let count = ring["segments"]?.textValue ?? "0"
            var line = "ring    \(size(bytes)) in \(count) segment\(count == "1" ? "" : "s")"
            if let free = ring["freeBytes"]?.textValue.flatMap({ Int64($0) }) { line += ", \(size(free)) free" }
            line += ", \(ring["held"]?.textValue ?? "0") held"
            lines.append(line)
            let lost = ring["evictedUnsent"]?.textValue ?? "0"
            if lost != "0" { lines.append("        " + style.bad("\(lost) segments evicted before upload (loss records signed)")) }
        }
        let destinations = s["uplink"]?.arrayValue ?? []
        if destinations.isEmpty { lines.append("uplink  none configured (recording only)") }
        for d in destinations {
            let name = d["destination"]?.textValue ?? "?"
            let pending = d["pending"]?.textValue ?? "0"
            var line = "uplink  \(clip(name, 20)): \(pending) waiting"
            if pending != "0", let bytes = d["backlogBytes"]?.textValue.flatMap({ Int64($0) }) {
                line += " (\(size(bytes))"
                if let age = d["oldestUnsentSeconds"]?.textValue.flatMap({ Int64($0) }) { line += ", oldest \(duration(Int(age)))" }
                line += ")"
            }
            if let rate = d["rateBytesPerSecond"]?.textValue.flatMap({ Int64($0) }), rate > 0 { line += ", \(size(rate))/s" }
            if d["parked"]?.textValue != "0" { line += ", " + style.bad("\(d["parked"]?.textValue ?? "0") parked") }
            if d["backingOff"] == .bool(true) { line += ", backing off" }
            lines.append(line)
            if d["backingOff"] == .bool(true), let error = d["lastError"]?.textValue {
                lines.append("        " + clip("last error: \(error)", 72))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    static func short(_ seconds: String) -> String {
        guard let dot = seconds.firstIndex(of: ".") else { return seconds }
        return String(seconds[..<seconds.index(dot, offsetBy: 2, limitedBy: seconds.endIndex)!])
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        if seconds < 172_800 { return "\(seconds / 3600) h \(seconds / 60 % 60) min" }
        return "\(seconds / 86400) days"
    }

    static func size(_ bytes: Int64) -> String {
        if bytes >= 10 << 30 { return "\(bytes >> 30) GiB" }
        if bytes >= 10 << 20 { return "\(bytes >> 20) MiB" }
        if bytes >= 10 << 10 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// A string or number as text.
    var textValue: String? {
        switch self {
        case .string(let s), .number(let s): return s
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }
}
