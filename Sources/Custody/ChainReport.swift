import EdgeJSON

/// What `ChainVerifier` found in a gateway's store: per camera, the gaps the gateway
/// declared (not faults: the chain accounts for them) and the findings, each a failure
/// (the chain cannot be vouched for) or a notice.
public struct ChainReport: Sendable {
    public struct Camera: Sendable, Equatable {
        public var camera: String
        public var manifests: Int
        public var segments: Int
        public var gaps: Int
        public var firstSequence: UInt64?
        public var lastSequence: UInt64?
    }

    public struct Gap: Sendable, Equatable {
        public var camera: String
        public var sequence: UInt64
        public var cause: GapCause
        public var start: TimePoint
        public var end: TimePoint
        public var detail: String
    }

    public struct Finding: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            // Breaks: the chain is not whole.
            case missingSequence = "missing-sequence"
            case duplicateSequence = "duplicate-sequence"
            case chainBroken = "chain-broken"
            case malformedManifest = "malformed-manifest"
            // Signatures.
            case missingSignature = "missing-signature"
            case badSignature = "bad-signature"
            // Segment files.
            case missingFile = "missing-file"
            case ciphertextMismatch = "ciphertext-mismatch"
            // Notices: reported, the chain stays intact.
            case truncated = "truncated"
            case sealedLate = "sealed-late"
            case clockStep = "clock-step"
            /// The segment file is gone, and a signed evicted-unsent gap says why.
            case evicted = "evicted"

            public var isFailure: Bool { ![.truncated, .sealedLate, .clockStep, .evicted].contains(self) }

            /// The label of the text report.
            var label: String {
                switch self {
                case .missingSequence, .duplicateSequence, .chainBroken, .malformedManifest: "BREAK"
                case .missingSignature, .badSignature: "SIGNATURE"
                case .missingFile, .ciphertextMismatch: "MISMATCH"
                case .truncated: "truncated"
                case .sealedLate: "late"
                case .clockStep: "clock"
                case .evicted: "evicted"
                }
            }
        }

        public var kind: Kind
        public var camera: String
        public var sequence: UInt64?
        /// The manifest or segment file concerned, when there is one.
        public var file: String?
        public var message: String
    }

    public var cameras: [Camera] = []
    public var gaps: [Gap] = []
    public var findings: [Finding] = []

    /// True only with no break, no bad or missing signature and no ciphertext mismatch
    /// (and at least one manifest: an empty store proves nothing).
    public var isIntact: Bool { !findings.contains { $0.kind.isFailure } && cameras.contains { $0.manifests > 0 } }

    public func findings(_ kinds: Finding.Kind...) -> [Finding] { findings.filter { kinds.contains($0.kind) } }

    /// The JSON report, indented for reading (`edge-centre verify --json`).
    public var jsonText: String { CanonicalJSON.pretty(json) }

    public var json: JSONValue {
        func optional(_ n: UInt64?) -> JSONValue { n.map { .number(String($0)) } ?? .null }
        return .object([
            ("intact", .bool(isIntact)),
            ("cameras", .array(cameras.map { c in
                .object([
                    ("camera", .string(c.camera)), ("manifests", .integer(Int64(c.manifests))),
                    ("segments", .integer(Int64(c.segments))), ("gaps", .integer(Int64(c.gaps))),
                    ("firstSequence", optional(c.firstSequence)), ("lastSequence", optional(c.lastSequence)),
                ])
            })),
            ("gaps", .array(gaps.map { g in
                .object([
                    ("camera", .string(g.camera)), ("sequence", .number(String(g.sequence))),
                    ("cause", .string(g.cause.rawValue)), ("start", Manifest.json(g.start)), ("end", Manifest.json(g.end)),
                    ("durationNs", .integer(g.end.monotonic.nanoseconds &- g.start.monotonic.nanoseconds)),
                    ("detail", .string(g.detail)),
                ])
            })),
            ("findings", .array(findings.map { f in
                .object([
                    ("kind", .string(f.kind.rawValue)), ("failure", .bool(f.kind.isFailure)),
                    ("camera", .string(f.camera)), ("sequence", optional(f.sequence)),
                    ("file", f.file.map { .string($0) } ?? .null), ("message", .string(f.message)),
                ])
            })),
        ])
    }
}
