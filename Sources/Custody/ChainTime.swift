/// Completeness in time: per camera, the records (segments and gaps) must tile time from
/// the first to the last. Each record's start is compared with the latest end among the
/// records before it (by sequence): on the monotonic clock within one boot, on the wall
/// clock across boots when both readings were synchronised. A span further than the
/// tolerance is a `time-hole`; one that cannot be measured is an `unmeasurable-span`.
/// Version-1 records carry no boot: time is checked between version-2 records only.
enum ChainTime {
    /// Returns the uncovered nanoseconds found (measurable spans only).
    static func check(_ entries: [ChainVerifier.Entry], tolerance: Duration, findings: inout Findings) -> Int64 {
        var latest: (end: TimePoint, sequence: UInt64)?
        var uncovered: Int64 = 0
        for entry in entries where entry.manifest.version >= 2 {
            let m = entry.manifest
            // A record across a reboot with a clock not vouched for: its own length is
            // unknown (a gap while the box was down, typically).
            if m.start.distance(to: m.end) == nil {
                findings.add(
                    .unmeasurableSpan, m.sequence, file: entry.file,
                    "\(m.sequence) runs across a reboot with the clock not synchronised: its length cannot be measured")
            }
            if let before = latest {
                switch before.end.distance(to: m.start) {
                case .some(let span) where span > tolerance:
                    uncovered = uncovered.addingSaturated(span.nanoseconds)
                    findings.add(
                        .timeHole, m.sequence, file: entry.file,
                        "\(ChainReport.format(span.seconds)) s between the end of \(before.sequence) and the start of \(m.sequence) are covered by no record")
                case .some:
                    break
                case .none:
                    findings.add(
                        .unmeasurableSpan, m.sequence, file: entry.file,
                        "from \(before.sequence) to \(m.sequence) the gateway restarted with its clock not synchronised: the span cannot be measured")
                }
            }
            // The latest end so far: a record sealed late may end before an earlier one.
            if let before = latest, let later = before.end.distance(to: m.end), later < .zero { continue }
            latest = (m.end, m.sequence)
        }
        return uncovered
    }
}
