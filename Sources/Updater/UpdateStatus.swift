import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Release

/// What `edgectl update status` shows: the slots, what runs, what is on probation, the
/// floor, the trusted keys and the last outcomes.
public struct UpdateStatus: Sendable {
    public var current: SlotName?
    public var committed: SlotName?
    public var slots: [(name: SlotName, release: ReleaseManifest?)]
    /// The archive (SHA-256, hex) each slot was installed from, when announced.
    public var archives: [SlotName: String]
    public var state: UpdateState

    /// The release running now.
    public var running: ReleaseManifest? { slots.first { $0.name == current }?.release }

    public var json: JSONValue {
        func slot(_ s: SlotName?) -> JSONValue { s.map { .string($0.rawValue) } ?? .null }
        return .object([
            ("current", slot(current)), ("committed", slot(committed)),
            (
                "slots",
                .array(
                    slots.map { entry in
                        .object([
                            ("slot", .string(entry.name.rawValue)),
                            ("version", entry.release.map { .string($0.version) } ?? .null),
                            ("securityVersion", entry.release.map { .number(String($0.securityVersion)) } ?? .null),
                        ])
                    })
            ),
            ("update", state.json),
        ])
    }

    /// At most 80 columns.
    public var text: String {
        var lines: [String] = []
        for (name, release) in slots {
            let isBad = release.map { r in state.bad.contains { $0.manifestSHA256 == SHA256.hash(r.canonicalBytes) } } ?? false
            let marks = [name == current ? "running" : nil, name == committed ? "committed" : nil, isBad ? "bad" : nil]
                .compactMap { $0 }
            let what = release.map { "release \($0.version), security \($0.securityVersion)" } ?? "empty"
            lines.append("slot \(name.rawValue): \(what)\(marks.isEmpty ? "" : " (\(marks.joined(separator: ", ")))")")
        }
        if let p = state.probation {
            lines.append("on probation: \(p.version) in slot \(p.slot.rawValue), start \(p.starts) of \(Updater.maxStarts), since \(p.since.rfc3339Seconds)")
        }
        lines.append("security version floor: \(state.securityVersion)")
        if !state.trustedKeys.isEmpty {
            lines.append("release keys: \(state.trustedKeys.map(\.keyIDHex).joined(separator: ", "))")
        }
        for outcome in state.outcomes.prefix(5) {
            // One line each at 80 columns; `--json` has the whole detail.
            let line = "\(outcome.at.rfc3339Seconds) \(outcome.version) \(outcome.result.rawValue): \(outcome.detail)"
            lines.append(line.count > 80 ? String(line.prefix(79)) + "…" : line)
        }
        return lines.joined(separator: "\n")
    }
}

extension Updater {
    public func status() throws(UpdateError) -> UpdateStatus {
        let slots = Slots(paths: paths)
        return UpdateStatus(
            current: try slots.current, committed: try slots.committed,
            slots: SlotName.allCases.map { ($0, slots.release(in: $0)) },
            archives: Dictionary(uniqueKeysWithValues: SlotName.allCases.compactMap { s in slots.archive(in: s).map { (s, $0) } }),
            state: try UpdateState.load(paths))
    }

    /// The keys a pushed config must be signed by: the release keys trusted here (the
    /// installed one until a release names the next). Throws when none is installed.
    public func trustedKeys() throws(UpdateError) -> [MinisignPublicKey] {
        try trust(try UpdateState.load(paths)).keys
    }
}
