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
        /// The checkpoint that anchors the camera's head, when there is a valid one.
        public var checkpoint: Checkpoint?
        /// Time between consecutive records that no record covers, in total (measurable
        /// spans only).
        public var uncoveredNs: Int64 = 0
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
            case misnamedManifest = "misnamed-manifest"
            // Signatures.
            case missingSignature = "missing-signature"
            case badSignature = "bad-signature"
            // Segment files.
            case missingFile = "missing-file"
            case ciphertextMismatch = "ciphertext-mismatch"
            // The head and time.
            case badCheckpoint = "bad-checkpoint"
            case truncatedBelowCheckpoint = "truncated-below-checkpoint"
            case timeHole = "time-hole"
            // Notices: reported, the chain stays intact.
            case truncated = "truncated"
            case sealedLate = "sealed-late"
            case clockStep = "clock-step"
            /// The segment file is gone, and a signed evicted-unsent record covers it.
            case evicted = "evicted"
            /// The segment file is gone after a destination acknowledged it (ring only).
            case evictedUploaded = "evicted-uploaded"
            /// A span across boots with an unsynchronised clock: it cannot be measured.
            case unmeasurableSpan = "unmeasurable-span"
            /// No checkpoint: the head of the chain cannot be shown complete.
            case noCheckpoint = "no-checkpoint"

            public var isFailure: Bool {
                ![.truncated, .sealedLate, .clockStep, .evicted, .evictedUploaded, .unmeasurableSpan, .noCheckpoint].contains(self)
            }

            /// The label of the text report.
            var label: String {
                switch self {
                case .missingSequence, .duplicateSequence, .chainBroken, .malformedManifest, .misnamedManifest: "BREAK"
                case .missingSignature, .badSignature: "SIGNATURE"
                case .missingFile, .ciphertextMismatch: "MISMATCH"
                case .badCheckpoint, .truncatedBelowCheckpoint: "HEAD"
                case .timeHole: "TIME"
                case .truncated: "truncated"
                case .sealedLate: "late"
                case .clockStep: "clock"
                case .evicted, .evictedUploaded: "evicted"
                case .unmeasurableSpan: "span"
                case .noCheckpoint: "head"
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

    /// True only with no failure (no break, no bad or missing signature, no ciphertext
    /// mismatch, no truncation below a checkpoint, no uncovered time) and at least one
    /// manifest: an empty store proves nothing.
    public var isIntact: Bool { !findings.contains { $0.kind.isFailure } && cameras.contains { $0.manifests > 0 } }

    /// Intact, and every camera's head anchored by a checkpoint: nothing after the last
    /// manifest present can have been removed unnoticed, up to the checkpoint's time.
    public var isCompleteToCheckpoints: Bool { isIntact && cameras.allSatisfy { $0.checkpoint != nil } }

    public func findings(_ kinds: Finding.Kind...) -> [Finding] { findings.filter { kinds.contains($0.kind) } }

    /// The JSON report, indented for reading (`edge-centre verify --json`).
    public var jsonText: String { CanonicalJSON.pretty(json) }

    public var json: JSONValue {
        func optional(_ n: UInt64?) -> JSONValue { n.map { .number(String($0)) } ?? .null }
        return .object([
            ("intact", .bool(isIntact)), ("completeToCheckpoints", .bool(isCompleteToCheckpoints)),
            ("cameras", .array(cameras.map { c in
                .object([
                    ("camera", .string(c.camera)), ("manifests", .integer(Int64(c.manifests))),
                    ("segments", .integer(Int64(c.segments))), ("gaps", .integer(Int64(c.gaps))),
                    ("firstSequence", optional(c.firstSequence)), ("lastSequence", optional(c.lastSequence)),
                    ("uncoveredNs", .integer(c.uncoveredNs)),
                    ("checkpoint", c.checkpoint.map { cp in
                        .object([("sequence", .number(String(cp.sequence))), ("at", Manifest.json(cp.at, version: 2))])
                    } ?? .null),
                ])
            })),
            ("gaps", .array(gaps.map { g in
                .object([
                    ("camera", .string(g.camera)), ("sequence", .number(String(g.sequence))),
                    ("cause", .string(g.cause.rawValue)), ("start", Manifest.json(g.start)), ("end", Manifest.json(g.end)),
                    ("durationNs", g.start.distance(to: g.end).map { .integer($0.nanoseconds) } ?? .null),
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
