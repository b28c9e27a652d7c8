import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// Reads manifest bytes back into a `Manifest`, strictly: every field of MANIFEST.md must
/// be there with its type, and nothing else may be. The error names the field, so a
/// report can say which part of which manifest is wrong. Parsing proves nothing about
/// authenticity: check the signature over the same bytes.
public enum ManifestParser {
    private static let common = [
        "version", "kind", "gateway", "camera", "sequence", "previous", "firmware", "start", "end", "durationNs",
    ]
    private static let segmentFields = [
        "file", "frames", "firstFrame", "lastFrame", "codec", "width", "height", "capture", "ciphertext",
        "truncated", "reason",
    ]
    private static let gapFields = ["cause", "detail"]

    public static func parse(_ bytes: [UInt8]) throws(ManifestError) -> Manifest {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw ManifestError(field: "(document)", "not JSON: \(error)") }
        let top = try Fields(value, path: "")
        guard try top.integer("version") == Int64(Manifest.version) else {
            throw ManifestError(field: "version", "unsupported version (this verifier reads version \(Manifest.version))")
        }
        let kind = try top.string("kind")
        guard kind == "segment" || kind == "gap" else { throw ManifestError(field: "kind", "must be \"segment\" or \"gap\"") }
        try top.allow(common + ["clockStep"] + (kind == "segment" ? segmentFields : gapFields))
        let camera = try top.string("camera")
        guard PlainName.isValid(camera) else { throw ManifestError(field: "camera", "not a camera id: \(PlainName.rule())") }
        let start = try timePoint(top.object("start"))
        let end = try timePoint(top.object("end"))
        let body: Manifest.Body
        if kind == "segment" {
            let ciphertext = try top.object("ciphertext")
            try ciphertext.allow(["size", "sha256"])
            let file = try top.string("file")
            guard PlainName.isValid(file, limit: PlainName.fileLimit) else {
                throw ManifestError(field: "file", "not a plain file name: \(PlainName.rule(limit: PlainName.fileLimit))")
            }
            body = .segment(
                SegmentFacts(
                    camera: camera, file: file, start: start, end: end, frames: try top.int("frames"),
                    firstFrame: try top.unsigned("firstFrame"), lastFrame: try top.unsigned("lastFrame"),
                    codec: try top.string("codec"), width: try top.int("width"),
                    height: try top.int("height"), capture: try top.string("capture"),
                    ciphertextSize: try ciphertext.integer("size", min: 0), ciphertextSHA256: try ciphertext.sha256("sha256"),
                    truncated: try top.bool("truncated"), reason: try top.string("reason")))
        } else {
            let causeText = try top.string("cause")
            guard let cause = GapCause(rawValue: causeText) else {
                let known = GapCause.allCases.map(\.rawValue).joined(separator: ", ")
                throw ManifestError(field: "cause", "unknown cause \"\(causeText)\" (known: \(known))")
            }
            body = .gap(GapFacts(camera: camera, cause: cause, start: start, end: end, detail: try top.string("detail")))
        }
        let previous: [UInt8]? = top.isNull("previous") ? nil : try top.sha256("previous")
        let manifest = Manifest(
            gateway: try top.string("gateway"), camera: camera, sequence: try top.unsigned("sequence"),
            previous: previous, firmware: try top.string("firmware"), start: start, end: end,
            clockStep: top.has("clockStep") ? try top.integer("clockStep") : nil, body: body)
        guard try top.integer("durationNs") == manifest.durationNs else {
            throw ManifestError(field: "durationNs", "is not end.monotonicNs - start.monotonicNs")
        }
        return manifest
    }

    private static func timePoint(_ fields: Fields) throws(ManifestError) -> TimePoint {
        try fields.allow(["wall", "monotonicNs", "clockSynced"])
        guard let wall = WallTime(rfc3339: try fields.string("wall")) else {
            throw fields.error("wall", "not an RFC 3339 UTC time with nine fractional digits (2026-11-29T14:33:01.123456789Z) within 1677-09-22…2262-04-11")
        }
        return TimePoint(
            wall: wall, monotonic: MonotonicInstant(nanoseconds: try fields.integer("monotonicNs")),
            clockSynced: try fields.bool("clockSynced"))
    }
}

/// The members of one JSON object, read by name with the path for errors.
private struct Fields {
    let members: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws(ManifestError) {
        guard case .object(let members) = value else {
            throw ManifestError(field: path.isEmpty ? "(document)" : path, "expected an object, found \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    func error(_ key: String, _ problem: String) -> ManifestError {
        ManifestError(field: path.isEmpty ? key : "\(path).\(key)", problem)
    }

    func allow(_ keys: [String]) throws(ManifestError) {
        if let unknown = members.first(where: { !keys.contains($0.key) }) {
            throw error(unknown.key, "unknown field")
        }
    }

    func has(_ key: String) -> Bool { members.contains { $0.key == key } }
    func isNull(_ key: String) -> Bool { members.first { $0.key == key }?.value == .null }

    private func value(_ key: String) throws(ManifestError) -> JSONValue {
        guard let member = members.first(where: { $0.key == key }) else { throw error(key, "missing") }
        return member.value
    }

    private func mismatch(_ key: String, _ expected: String, _ found: JSONValue) -> ManifestError {
        error(key, "expected \(expected), found \(found.typeName)")
    }

    func string(_ key: String) throws(ManifestError) -> String {
        let v = try value(key)
        guard case .string(let s) = v else { throw mismatch(key, "a string", v) }
        return s
    }

    func bool(_ key: String) throws(ManifestError) -> Bool {
        let v = try value(key)
        guard case .bool(let b) = v else { throw mismatch(key, "a boolean", v) }
        return b
    }

    func object(_ key: String) throws(ManifestError) -> Fields {
        try Fields(try value(key), path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// A whole number written without fraction or exponent (as canonical form writes it).
    func integer(_ key: String, min: Int64 = .min) throws(ManifestError) -> Int64 {
        let v = try value(key)
        guard case .number(let text) = v else { throw mismatch(key, "an integer", v) }
        guard let n = Int64(text), n >= min else {
            throw error(key, min == 0 ? "expected a non-negative integer, found \(text)" : "expected an integer, found \(text)")
        }
        return n
    }

    /// A non-negative integer that fits this machine's `Int` (32 bits on armv7).
    func int(_ key: String) throws(ManifestError) -> Int {
        let n = try integer(key, min: 0)
        guard let value = Int(exactly: n) else { throw error(key, "\(n) is too large") }
        return value
    }

    func unsigned(_ key: String) throws(ManifestError) -> UInt64 {
        let v = try value(key)
        guard case .number(let text) = v else { throw mismatch(key, "an integer", v) }
        guard let n = UInt64(text) else { throw error(key, "expected a non-negative integer, found \(text)") }
        return n
    }

    func sha256(_ key: String) throws(ManifestError) -> [UInt8] {
        guard let bytes = Hex.decode(try string(key)), bytes.count == 32 else {
            throw error(key, "expected 64 lowercase hex digits (a SHA-256)")
        }
        return bytes
    }
}
