import ArgumentParser

extension Edgectl {
    struct Uplink: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the way to the centre; wait until the backlog is delivered.",
            subcommands: [Test.self, Wait.self])
    }
}

/// Wraps `text` to `width` columns, the lines after the first indented by `indent`.
func wrap(_ text: String, width: Int = 80, first: String, indent: String) -> [String] {
    var lines: [String] = []
    var line = first
    for word in text.split(separator: " ") {
        let prefix = line == first || line == indent ? "" : " "
        if line.count + prefix.count + word.count > width, line != first, line != indent {
            lines.append(line)
            line = indent + word
        } else {
            line += prefix + word
        }
    }
    lines.append(line)
    return lines.map { $0.count > width ? String($0.prefix(width - 1)) + "…" : $0 }
}
