import EdgeSystem
import Logging

/// One line per event on stderr, no colour: what journald and a serial console want.
///
/// `2026-11-29T14:33:01.120Z info camera=front: segment closed seq=42 frames=250`
/// Under systemd (`JOURNAL_STREAM` set) the timestamp is left to the journal.
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let stamped: Bool

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        logLevel = level
        stamped = getenv("JOURNAL_STREAM") == nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = stamped ? Self.timestamp() + " " : ""
        line += "\(event.level) \(label)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if let camera = merged["camera"] { line += " camera=\(LogField.value("\(camera)"))" }
        line += ": \(event.message)"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where key != "camera" {
            // Outside text (a path, a camera's error) cannot forge a field or a line.
            line += " \(key)=\(LogField.value("\(value)"))"
        }
        line = line.replacingNewlines() + "\n"
        // One write(2) per line: lines from several threads never interleave.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress!, $0.count) }
    }

    /// `2026-11-29T14:33:01.120Z`: UTC, milliseconds.
    static func timestamp() -> String { String(SystemTime().wallNow().rfc3339.prefix(23)) + "Z" }
}

extension String {
    /// Keeps one event on one line.
    func replacingNewlines() -> String {
        String(map { $0 == "\n" ? " " : $0 })
    }
}
