import EdgeSystem

/// Writes one line to stderr (messages meant for the technician, not for scripts).
func printError(_ message: String) {
    var bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress!, $0.count) }
}
