/// Where a gateway keeps its firmware and what it knows about it (Board/README.md, "Slots").
///
///     ROOT/slots/a, ROOT/slots/b   two installed releases, each with its release.json
///     ROOT/current -> slots/X      what systemd starts: ROOT/current/bin/edge-recorderd
///     ROOT/committed -> slots/Y    the last release that proved itself; its edgectl runs
///                                  the check before every start (`edgectl update boot`)
///     ETC/board                    the board's name, as releases name it
///     ETC/release.pub              the release key installed with the firmware
///     STATE/update/state.json      security version, trusted keys, probation, outcomes
public struct UpdatePaths: Sendable {
    public static let defaultRoot = "/opt/edge-recorder"
    public static let defaultEtc = "/etc/edge-recorder"

    public var root: String
    public var etc: String
    public var stateDirectory: String

    public init(root: String = defaultRoot, etc: String = defaultEtc, stateDirectory: String) {
        self.root = root
        self.etc = etc
        self.stateDirectory = stateDirectory
    }

    public var slots: String { "\(root)/slots" }
    public func slot(_ name: SlotName) -> String { "\(slots)/\(name.rawValue)" }
    public var current: String { "\(root)/current" }
    public var committed: String { "\(root)/committed" }
    public var board: String { "\(etc)/board" }
    public var anchorKey: String { "\(etc)/release.pub" }
    public var updateDirectory: String { "\(stateDirectory)/update" }
    public var stateFile: String { "\(updateDirectory)/state.json" }
}

/// One of the two application slots.
public enum SlotName: String, Sendable, CaseIterable, Equatable {
    case a, b
    public var other: SlotName { self == .a ? .b : .a }
}

/// The layout of the state directory (ring, chain state, config history) that this
/// firmware reads and writes; a release lists the formats it reads (`stateFormats`) and is
/// refused before the switch when this one is not among them.
public enum StateFormat {
    public static let current = 1
}
