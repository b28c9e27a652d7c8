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
        let version = Int(try top.integer("version"))
        guard Manifest.readableVersions.contains(version) else {
            throw ManifestError(
                field: "version", "unsupported version \(version) (this verifier reads versions \(Manifest.readableVersions))")
        }
        let kind = try top.string("kind")
        guard kind == "segment" || kind == "gap" else { throw ManifestError(field: "kind", "must be \"segment\" or \"gap\"") }
        try top.allow(common + ["clockStep"] + (kind == "segment" ? segmentFields : gapFields + (version >= 2 ? ["covers"] : [])))
        let gateway = try top.string("gateway")
        let camera = try top.string("camera")
        guard PlainName.isValid(camera) else { throw ManifestError(field: "camera", "not a camera id: \(PlainName.rule())") }
        if version >= 2, !PlainName.isValid(gateway) {
            throw ManifestError(field: "gateway", "not a gateway id: \(PlainName.rule())")
        }
        let start = try timePoint(top.object("start"), version: version)
        let end = try timePoint(top.object("end"), version: version)
        let body: Manifest.Body
        if kind == "segment" {
            body = .segment(try segment(top, camera: camera, start: start, end: end, version: version))
        } else {
            let causeText = try top.string("cause")
            guard let cause = GapCause(rawValue: causeText) else {
                let known = GapCause.allCases.map(\.rawValue).joined(separator: ", ")
                throw ManifestError(field: "cause", "unknown cause \"\(causeText)\" (known: \(known))")
            }
            let covers = top.has("covers") ? try top.sequences("covers") : []
            if version >= 2, (cause == .evictedUnsent) != !covers.isEmpty {
                throw ManifestError(field: "covers", "an evicted-unsent gap, and only one, names the sequences it covers")
            }
            body = .gap(GapFacts(camera: camera, cause: cause, start: start, end: end, detail: try top.string("detail"), covers: covers))
        }
        let previous: [UInt8]? = top.isNull("previous") ? nil : try top.sha256("previous")
        let manifest = Manifest(
            version: version, gateway: gateway, camera: camera, sequence: try top.unsigned("sequence"),
            previous: previous, firmware: try top.string("firmware"), start: start, end: end,
            clockStep: top.has("clockStep") ? try top.integer("clockStep") : nil, body: body)
        let duration: Int64? = top.isNull("durationNs") && version >= 2 ? nil : try top.integer("durationNs")
        guard duration == manifest.durationNs else {
            throw ManifestError(
                field: "durationNs",
                "is not end.monotonicNs - start.monotonicNs (null when start and end are of different boots)")
        }
        return manifest
    }

    private static func segment(
        _ top: Fields, camera: String, start: TimePoint, end: TimePoint, version: Int
    ) throws(ManifestError) -> SegmentFacts {
        let ciphertext = try top.object("ciphertext")
        try ciphertext.allow(["size", "sha256"])
        let file = try top.string("file")
        guard PlainName.isValid(file, limit: PlainName.fileLimit) else {
            throw ManifestError(field: "file", "not a plain file name: \(PlainName.rule(limit: PlainName.fileLimit))")
        }
        let truncated = try top.bool("truncated")
        let reason = try top.string("reason")
        // Version 2: counts may be null (unknown) only in a truncated segment; the codec is
        // a Matroska codec ID; the reason is one of SegmentEnd's.
        let unknownAllowed = version >= 2 && truncated
        let frames = try top.optionalUnsigned("frames", nullAllowed: unknownAllowed)
        let firstFrame = try top.optionalUnsigned("firstFrame", nullAllowed: unknownAllowed)
        let lastFrame = try top.optionalUnsigned("lastFrame", nullAllowed: unknownAllowed)
        let codec: String? = unknownAllowed && top.isNull("codec") ? nil : try top.string("codec")
        if version >= 2 {
            if let codec, !["V_MJPEG", "V_MPEG4/ISO/AVC", "V_MPEGH/ISO/HEVC"].contains(codec) {
                throw ManifestError(field: "codec", "\"\(codec)\" is not a Matroska codec ID this format uses")
            }
            guard SegmentEnd(rawValue: reason) != nil else {
                throw ManifestError(field: "reason", "\"\(reason)\" is not one of \(SegmentEnd.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        guard frames.map({ Int(exactly: $0) != nil }) ?? true else { throw ManifestError(field: "frames", "too large") }
        return SegmentFacts(
            camera: camera, file: file, start: start, end: end, frames: frames.map { Int($0) },
            firstFrame: firstFrame, lastFrame: lastFrame, codec: codec, width: try top.int("width"),
            height: try top.int("height"), capture: try top.string("capture"),
            ciphertextSize: try ciphertext.integer("size", min: 0), ciphertextSHA256: try ciphertext.sha256("sha256"),
            truncated: truncated, reason: reason)
    }

    private static func timePoint(_ fields: Fields, version: Int) throws(ManifestError) -> TimePoint {
        try fields.allow(version >= 2 ? ["wall", "monotonicNs", "clockSynced", "boot"] : ["wall", "monotonicNs", "clockSynced"])
        guard let wall = WallTime(rfc3339: try fields.string("wall")) else {
            throw fields.error("wall", "not an RFC 3339 UTC time with nine fractional digits (2026-11-29T14:33:01.123456789Z) within 1677-09-22…2262-04-11")
        }
        var boot: String?
        if version >= 2 {
            let text = try fields.string("boot")
            guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw fields.error("boot", "expected the boot id: 1–64 printable ASCII characters")
            }
            boot = text
        }
        return TimePoint(
            wall: wall, monotonic: MonotonicInstant(nanoseconds: try fields.integer("monotonicNs")),
            clockSynced: try fields.bool("clockSynced"), boot: boot)
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

    func value(_ key: String) throws(ManifestError) -> JSONValue {
        guard let member = members.first(where: { $0.key == key }) else { throw error(key, "missing") }
        return member.value
    }

    func mismatch(_ key: String, _ expected: String, _ found: JSONValue) -> ManifestError {
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

    /// A non-negative integer, or nil for `null` where that is allowed.
    func optionalUnsigned(_ key: String, nullAllowed: Bool) throws(ManifestError) -> UInt64? {
        if isNull(key) {
            guard nullAllowed else { throw error(key, "null is only allowed in a truncated segment of version 2") }
            return nil
        }
        return try unsigned(key)
    }

    /// A non-empty array of sequence numbers, ascending and distinct.
    func sequences(_ key: String) throws(ManifestError) -> [UInt64] {
        let v = try value(key)
        guard case .array(let items) = v, !items.isEmpty else { throw mismatch(key, "a non-empty array of sequence numbers", v) }
        var out: [UInt64] = []
        for item in items {
            guard case .number(let text) = item, let n = UInt64(plainDecimal: text), n >= 1, n > (out.last ?? 0) else {
                throw error(key, "expected sequence numbers ≥ 1 in ascending order")
            }
            out.append(n)
        }
        return out
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
