import FoundationEssentials

extension DeviceDescription: CustomStringConvertible {
    /// Plain text for a serial console: no line longer than 80 columns, no colour.
    /// Recordable formats are marked with `*`.
    public var description: String {
        var lines = [path]
        lines += Self.wrap("  driver  ", ["\(driver) \(driverVersion)"])
        lines += Self.wrap("  card    ", [card])
        lines += Self.wrap("  bus     ", [bus])
        lines += Self.wrap("  caps    ", capabilities.map { $0 + "," }.droppingLastComma)
        lines.append("  formats \(formats.count) (* = recorded; others need conversion)")
        for format in formats {
            let kind = format.compressed ? ", compressed" : ""
            lines += Self.wrap("\(format.recordable ? "*" : " ") \(format.fourcc.padded(4))  ", ["\(format.name)\(kind)"])
            for size in format.sizes {
                var rates = size.framesPerSecond.map { Self.number($0) + "," }.droppingLastComma
                if let low = size.minFramesPerSecond, let high = size.maxFramesPerSecond {
                    rates.append("\(Self.number(low))–\(Self.number(high))")
                }
                let head = "      " + "\(size.width)x\(size.height)".padded(11)
                lines += Self.wrap(head, rates.isEmpty ? ["(rate not listed)"] : rates + ["fps"])
            }
            if let r = format.sizeRange {
                lines += Self.wrap(
                    "      ",
                    ["sizes \(r.minWidth)x\(r.minHeight) to \(r.maxWidth)x\(r.maxHeight),",
                     "step \(r.stepWidth)x\(r.stepHeight)"])
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The description as JSON (keys sorted), for `--json`.
    public func json(pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// `head` then `words`, wrapped at 80 columns under the first word. A single word
    /// longer than the line (a 32-character card name never is) stays whole.
    static func wrap(_ head: String, _ words: [String], width: Int = 80) -> [String] {
        let indent = String(repeating: " ", count: head.count)
        var lines: [String] = []
        var line = head
        for word in words {
            let fresh = line.count == head.count && (lines.isEmpty || line == indent)
            if !fresh && line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += (fresh ? "" : " ") + word
            }
        }
        lines.append(line)
        return lines
    }

    /// 25 → "25", 12.5 → "12.5", 29.97 → "29.97".
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

extension [String] {
    fileprivate var droppingLastComma: [String] {
        guard let last, last.hasSuffix(",") else { return self }
        return dropLast() + [String(last.dropLast())]
    }
}

extension String {
    fileprivate func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
