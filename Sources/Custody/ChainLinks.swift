import EdgeCrypto

/// The structural checks of one camera's chain: sequence numbers (none missing from 1 to
/// the highest, none twice) and hash links (one start, every `previous` naming a manifest
/// present, no manifest followed twice). Links follow the order of sealing, so a hole
/// filled late after a crash links to a higher sequence: a notice, not a break.
enum ChainLinks {
    static func check(_ entries: [ChainVerifier.Entry], findings: inout Findings) {
        checkSequences(entries, findings: &findings)
        var byHash: [[UInt8]: ChainVerifier.Entry] = [:]
        for entry in entries { byHash[entry.sha256] = entry }
        var successor: [[UInt8]: UInt64] = [:]
        var root: UInt64?
        for entry in entries {
            let m = entry.manifest
            guard let previous = m.previous else {
                if let root {
                    findings.add(.chainBroken, m.sequence, file: entry.file, "a second chain start (sequence \(root) starts it)")
                } else {
                    root = m.sequence
                }
                continue
            }
            guard let before = byHash[previous] else {
                findings.add(
                    .chainBroken, m.sequence, file: entry.file,
                    "chain broken at \(m.sequence): previous \(Hex.encode(Array(previous.prefix(6))))... matches no manifest")
                continue
            }
            if let other = successor[previous] {
                findings.add(
                    .chainBroken, m.sequence, file: entry.file,
                    "chain forks: \(other) and \(m.sequence) both follow \(before.manifest.sequence)")
            } else {
                successor[previous] = m.sequence
            }
            if before.manifest.sequence > m.sequence {
                findings.add(.sealedLate, m.sequence, file: entry.file, "sealed after \(before.manifest.sequence) (a hole filled by recovery)")
            }
        }
    }

    private static func checkSequences(_ entries: [ChainVerifier.Entry], findings: inout Findings) {
        var expected: UInt64 = 1
        var last: UInt64?
        for entry in entries {
            let sequence = entry.manifest.sequence
            if sequence == last {
                findings.add(.duplicateSequence, sequence, file: entry.file, "duplicate sequence \(sequence)")
                continue
            }
            if sequence > expected {
                let range = sequence - expected == 1 ? "sequence \(expected)" : "sequences \(expected)-\(sequence - 1)"
                findings.add(.missingSequence, expected, "\(range) missing")
            }
            last = sequence
            expected = sequence &+ 1
        }
    }
}
