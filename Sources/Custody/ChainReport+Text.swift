/// The report for a person at an 80-column console: a verdict line, then per camera a
/// summary, its gaps and its findings, every line wrapped to fit.
extension ChainReport {
    public static let textWidth = 80

    public var text: String {
        var lines: [String] = []
        let failures = findings.filter { $0.kind.isFailure }.count
        let why = failures > 0 ? "\(failures) failure(s)" : "no manifests found"
        if !isIntact {
            lines.append("chain of custody: NOT INTACT (\(why))")
        } else if isCompleteToCheckpoints {
            lines.append("chain of custody: INTACT, complete up to each camera's checkpoint")
        } else {
            let open = cameras.filter { $0.checkpoint == nil }.map(\.camera).joined(separator: ", ")
            lines += Self.wrap(
                "chain of custody: INTACT; no checkpoint for \(open): newer manifests could be missing unnoticed", indent: "")
        }
        if cameras.isEmpty { lines.append("no camera directories with manifests found") }
        for camera in cameras {
            let span = camera.firstSequence.map { "sequences \($0)-\(camera.lastSequence ?? $0)" } ?? "no sequences"
            lines += Self.wrap(
                "camera \(camera.camera): \(camera.manifests) manifest(s), \(camera.segments) segment(s), "
                    + "\(camera.gaps) gap(s), \(span)", indent: "")
            if let checkpoint = camera.checkpoint {
                lines += Self.wrap(
                    "complete up to checkpoint \(checkpoint.sequence) made \(Self.short(checkpoint.at))"
                        + (camera.uncoveredNs > 0 ? "" : "; no time uncovered"), indent: "  ")
            }
            for gap in gaps where gap.camera == camera.camera {
                let seconds = gap.start.distance(to: gap.end).map { Self.format($0.seconds) + " s" } ?? "across a reboot"
                let detail = gap.detail.isEmpty ? "" : ": \(gap.detail)"
                lines += Self.wrap(
                    "gap       \(gap.sequence) \(gap.cause.rawValue) \(Self.short(gap.start)) to "
                        + "\(Self.short(gap.end)) (\(seconds))\(detail)", indent: "  ")
            }
            for finding in findings where finding.camera == camera.camera {
                let label = finding.kind.label.padding(to: 9)
                let file = finding.file.map { "\($0): " } ?? ""
                lines += Self.wrap("\(label) \(file)\(finding.message)", indent: "  ")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2026-11-29T14:33:01Z`, plus `?` when the clock was not synced.
    static func short(_ point: TimePoint) -> String {
        String(point.wall.rfc3339.prefix(19)) + "Z" + (point.clockSynced ? "" : "?")
    }

    static func format(_ seconds: Double) -> String {
        let tenths = Int64((seconds * 10).rounded())
        return "\(tenths / 10).\((tenths % 10).magnitude)"
    }

    /// Word-wraps `text` to `textWidth` columns; continuation lines indent further.
    static func wrap(_ text: String, indent: String) -> [String] {
        var lines: [String] = []
        var line = indent
        let continuation = indent + "          "
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let fresh = line == indent || line == continuation
            if !fresh && line.count + 1 + word.count > textWidth {
                lines.append(line)
                line = continuation
            }
            var piece = Substring(word)
            while line.count + piece.count > textWidth {  // a word longer than a line
                let room = textWidth - line.count - ((line == indent || line == continuation) ? 0 : 1)
                if room <= 0 { lines.append(line); line = continuation; continue }
                line += (line == indent || line == continuation ? "" : " ") + piece.prefix(room)
                piece = piece.dropFirst(room)
                lines.append(line)
                line = continuation
            }
            line += (line == indent || line == continuation ? "" : " ") + piece
        }
        lines.append(line)
        return lines
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
