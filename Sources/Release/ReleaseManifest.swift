import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem

/// What a release holds and for whom, signed by the release key (RELEASE.md). The gateway
/// believes nothing in a release that this manifest does not name with its size and hash.
public struct ReleaseManifest: Sendable, Equatable {
    /// The one format this firmware writes and reads.
    public static let format = 1
    /// Limits against endless data: a manifest, its signature, the number of files and
    /// the whole release.
    public static let maxManifestBytes = 64 << 10
    public static let maxSignatureBytes = 1 << 10
    public static let maxFiles = 256
    public static let maxReleaseBytes: Int64 = 1 << 30

    public struct File: Sendable, Equatable {
        /// Relative path inside the slot (`bin/edge-recorderd`): plain names joined by `/`.
        public var path: String
        public var size: Int64
        public var sha256: [UInt8]
        public var executable: Bool

        public init(path: String, size: Int64, sha256: [UInt8], executable: Bool) {
            self.path = path
            self.size = size
            self.sha256 = sha256
            self.executable = executable
        }
    }

    /// The firmware version people read (`1.4.0`).
    public var version: String
    /// Only goes up: a gateway refuses a release whose security version is below the one
    /// it has installed.
    public var securityVersion: UInt64
    /// The board string the gateway compares with its own (`qemu-x86_64`, `rpi4`).
    public var board: String
    public var created: WallTime
    /// After this the gateway refuses the release: metadata cannot be replayed for ever.
    public var expires: WallTime
    /// The state-directory formats this release reads; a gateway whose state is in another
    /// format refuses it before switching.
    public var stateFormats: [Int]
    /// A new release key, signed into this release by the current one: the gateway trusts
    /// it for later releases once this one is installed.
    public var nextReleaseKey: MinisignPublicKey?
    public var files: [File]

    public init(
        version: String, securityVersion: UInt64, board: String, created: WallTime, expires: WallTime,
        stateFormats: [Int], nextReleaseKey: MinisignPublicKey? = nil, files: [File] = []
    ) {
        self.version = version
        self.securityVersion = securityVersion
        self.board = board
        self.created = created
        self.expires = expires
        self.stateFormats = stateFormats
        self.nextReleaseKey = nextReleaseKey
        self.files = files
    }

    /// The bytes that are signed: canonical JSON, so one manifest has one spelling.
    public var canonicalBytes: [UInt8] {
        var members: [(key: String, value: JSONValue)] = [
            ("format", .integer(Int64(Self.format))),
            ("kind", .string("edge-recorder-release")),
            ("version", .string(version)),
            ("securityVersion", .number(String(securityVersion))),
            ("board", .string(board)),
            ("created", .string(created.rfc3339)),
            ("expires", .string(expires.rfc3339)),
            ("stateFormats", .array(stateFormats.map { .integer(Int64($0)) })),
            ("nextReleaseKey", nextReleaseKey.map { .string($0.base64) } ?? .null),
        ]
        members.append((
            "files",
            .array(
                files.map {
                    .object([
                        ("path", .string($0.path)), ("size", .integer($0.size)),
                        ("sha256", .string(Hex.encode($0.sha256))), ("executable", .bool($0.executable)),
                    ])
                })
        ))
        return CanonicalJSON.encode(.object(members))
    }

    /// The trusted comment of the signature, which `minisign -V` prints.
    public var trustedComment: String {
        "edge-recorder release \(version) security \(securityVersion) board \(board) expires \(expires.rfc3339Seconds)"
    }

    /// The bytes of the whole archive, from the manifest alone (RELEASE.md, "Layout"):
    /// what a download may not exceed. Nil when it passes `maxReleaseBytes`.
    public func archiveSize(manifestBytes: Int, signatureBytes: Int) -> Int64? {
        var total = Int64(TarHeader.blockSize) + TarHeader.padded(Int64(manifestBytes))
        total += Int64(TarHeader.blockSize) + TarHeader.padded(Int64(signatureBytes))
        for file in files {
            let (sum, overflow) = total.addingReportingOverflow(Int64(TarHeader.blockSize) + TarHeader.padded(file.size))
            guard !overflow, sum <= Self.maxReleaseBytes else { return nil }
            total = sum
        }
        total += 2 * Int64(TarHeader.blockSize)
        total = (total + TarHeader.recordSize - 1) / TarHeader.recordSize * TarHeader.recordSize
        return total <= Self.maxReleaseBytes ? total : nil
    }
}

/// Version text: 1–32 characters of digits, letters, `.`, `-`, `+`, starting with a digit.
enum VersionText {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...32).contains(bytes.count), let first = bytes.first, (0x30...0x39).contains(first) else { return false }
        return bytes.allSatisfy {
            (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
    }
}

/// A path inside a slot: plain names (`PlainName`) joined by `/`, at most 8 deep and 99
/// bytes (a ustar name field holds it whole), never `release.json` itself.
enum SlotPath {
    static func isValid(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.utf8.count < 100, (1...8).contains(parts.count),
            !ReleaseArchive.reservedNames.contains(path)
        else { return false }
        return parts.allSatisfy { PlainName.isValid(String($0), limit: PlainName.fileLimit) }
    }
}
