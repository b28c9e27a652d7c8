import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// Reads a release manifest strictly: every field of RELEASE.md with its type, nothing
/// else, and in canonical form (the bytes must be what `canonicalBytes` writes for the
/// value read, so one signed manifest has one meaning). Call it only on bytes whose
/// signature has been checked: `ReleaseReader` does.
public enum ReleaseManifestParser {
    private static let fields = [
        "format", "kind", "version", "securityVersion", "board", "created", "expires", "stateFormats",
        "nextReleaseKey", "files",
    ]

    public static func parse(_ bytes: [UInt8]) throws(ReleaseError) -> ReleaseManifest {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw failure("(document)", "not JSON: \(error)") }
        guard case .object(let members) = value else { throw failure("(document)", "expected an object") }
        if let unknown = members.first(where: { !fields.contains($0.key) }) { throw failure(unknown.key, "unknown field") }
        func field(_ key: String) throws(ReleaseError) -> JSONValue {
            guard let member = members.first(where: { $0.key == key }) else { throw failure(key, "missing") }
            return member.value
        }
        guard try integer(field("format"), "format") == Int64(ReleaseManifest.format) else {
            throw failure("format", "this firmware reads release format \(ReleaseManifest.format) only")
        }
        guard try string(field("kind"), "kind") == "edge-recorder-release" else {
            throw failure("kind", "must be \"edge-recorder-release\"")
        }
        let version = try string(field("version"), "version")
        guard VersionText.isValid(version) else {
            throw failure("version", "1–32 of 0-9 A-Z a-z . - +, starting with a digit")
        }
        guard case .number(let securityText) = try field("securityVersion"), let security = UInt64(securityText),
            security <= 1 << 53
        else { throw failure("securityVersion", "expected an integer 0…2^53") }
        let board = try string(field("board"), "board")
        guard PlainName.isValid(board) else { throw failure("board", "not a board name: \(PlainName.rule())") }
        let created = try time(field("created"), "created")
        let expires = try time(field("expires"), "expires")
        guard created < expires else { throw failure("expires", "must be after created") }
        guard case .array(let formatValues) = try field("stateFormats"), (1...16).contains(formatValues.count) else {
            throw failure("stateFormats", "expected an array of 1–16 integers")
        }
        var stateFormats: [Int] = []
        for item in formatValues {
            let n = try integer(item, "stateFormats")
            guard (1...1000).contains(n) else { throw failure("stateFormats", "each format is 1…1000") }
            stateFormats.append(Int(n))
        }
        var nextKey: MinisignPublicKey?
        switch try field("nextReleaseKey") {
        case .null: break
        case .string(let text):
            do { nextKey = try MinisignPublicKey(parsing: text) } catch {
                throw failure("nextReleaseKey", "not a minisign public key line: \(error.message)")
            }
        default: throw failure("nextReleaseKey", "expected a minisign public key line or null")
        }
        guard case .array(let fileValues) = try field("files"), (1...ReleaseManifest.maxFiles).contains(fileValues.count)
        else { throw failure("files", "expected an array of 1–\(ReleaseManifest.maxFiles) files") }
        var files: [ReleaseManifest.File] = []
        for (n, item) in fileValues.enumerated() {
            let file = try self.file(item, at: "files[\(n)]")
            guard !files.contains(where: { $0.path == file.path }) else { throw failure("files[\(n)].path", "named twice") }
            files.append(file)
        }
        let manifest = ReleaseManifest(
            version: version, securityVersion: security, board: board, created: created, expires: expires,
            stateFormats: stateFormats, nextReleaseKey: nextKey, files: files)
        guard manifest.archiveSize(manifestBytes: bytes.count, signatureBytes: 0) != nil else {
            throw failure("files", "the release would pass \(ReleaseManifest.maxReleaseBytes) bytes")
        }
        guard manifest.canonicalBytes == bytes else {
            throw failure("(document)", "not in canonical form (keys sorted, no spaces, as `edge-centre release sign` writes)")
        }
        return manifest
    }

    private static func file(_ value: JSONValue, at path: String) throws(ReleaseError) -> ReleaseManifest.File {
        guard case .object(let members) = value else { throw failure(path, "expected an object") }
        let known = ["path", "size", "sha256", "executable"]
        if let unknown = members.first(where: { !known.contains($0.key) }) { throw failure("\(path).\(unknown.key)", "unknown field") }
        func field(_ key: String) throws(ReleaseError) -> JSONValue {
            guard let member = members.first(where: { $0.key == key }) else { throw failure("\(path).\(key)", "missing") }
            return member.value
        }
        let name = try string(field("path"), "\(path).path")
        guard SlotPath.isValid(name) else {
            throw failure("\(path).path", "not a slot path: plain names (\(PlainName.rule(limit: PlainName.fileLimit))) joined by /, under 100 bytes")
        }
        let size = try integer(field("size"), "\(path).size")
        guard size >= 0, size <= ReleaseManifest.maxReleaseBytes else {
            throw failure("\(path).size", "expected 0…\(ReleaseManifest.maxReleaseBytes)")
        }
        let hex = try string(field("sha256"), "\(path).sha256")
        guard hex.utf8.count == 64, let digest = Hex.decode(hex) else {
            throw failure("\(path).sha256", "expected 64 lower-case hex digits")
        }
        guard case .bool(let executable) = try field("executable") else { throw failure("\(path).executable", "expected a boolean") }
        return ReleaseManifest.File(path: name, size: size, sha256: digest, executable: executable)
    }

    private static func string(_ value: JSONValue, _ field: String) throws(ReleaseError) -> String {
        guard case .string(let text) = value else { throw failure(field, "expected a string, found \(value.typeName)") }
        return text
    }

    private static func integer(_ value: JSONValue, _ field: String) throws(ReleaseError) -> Int64 {
        guard case .number(let text) = value, let n = Int64(text) else {
            throw failure(field, "expected an integer, found \(value.typeName)")
        }
        return n
    }

    private static func time(_ value: JSONValue, _ field: String) throws(ReleaseError) -> WallTime {
        guard let time = WallTime(rfc3339: try string(value, field)) else {
            throw failure(field, "not an RFC 3339 UTC time with nine fractional digits within 1677…2262")
        }
        return time
    }

    private static func failure(_ field: String, _ problem: String) -> ReleaseError {
        ReleaseError(.malformedManifest, "release.json: \(field): \(problem)")
    }
}
