import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import Foundation
import TestSupport

@testable import Release

/// A release key, two input files and a release made from them, in a scratch directory.
struct ReleaseFixture {
    let directory: String
    let key: DeviceKey
    let daemon: [UInt8]
    let config: [UInt8]
    let created = WallTime(rfc3339: "2026-12-01T00:00:00.000000000Z")!
    var now: WallTime { created + .seconds(3600) }

    init(label: String = "release") throws {
        directory = try Fixtures.scratchDirectory(label)
        key = try DeviceKey.create(keyFile: "\(directory)/release.key", role: "release key")
        // Not a multiple of 512, so the padding after it is checked too; and big enough
        // to take several reads.
        daemon = (0..<200_001).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        config = Array(#"{"cameras":[]}"#.utf8)
        try Fixtures.write(daemon, to: "\(directory)/edge-recorderd")
        chmod("\(directory)/edge-recorderd", 0o755)
        try Fixtures.write(config, to: "\(directory)/default.json")
    }

    func description(
        version: String = "1.2.0", security: UInt64 = 5, board: String = "qemu-x86_64", days: Int64 = 30,
        next: MinisignPublicKey? = nil
    ) -> ReleaseManifest {
        .init(
            version: version, securityVersion: security, board: board, created: created,
            expires: created + .seconds(days * 86400), stateFormats: [1], nextReleaseKey: next)
    }

    var inputs: [ReleaseArchive.Input] {
        [
            .init(source: "\(directory)/edge-recorderd", path: "bin/edge-recorderd"),
            .init(source: "\(directory)/default.json", path: "etc/default.json"),
        ]
    }

    /// Makes a release at `name` in the directory; returns its path.
    @discardableResult
    func make(_ name: String = "release.tar", _ description: ReleaseManifest? = nil, signer: DeviceKey? = nil)
        throws -> String
    {
        let path = "\(directory)/\(name)"
        try ReleaseArchive.make(description ?? self.description(), files: inputs, key: signer ?? key, output: path)
        return path
    }

    /// What a gateway on the QEMU board at `now`, security version 4, state format 1, checks.
    func trust(keys: [MinisignPublicKey]? = nil, installed: UInt64 = 4, now: WallTime? = nil, stateFormat: Int = 1)
        -> ReleaseTrust
    {
        ReleaseTrust(
            keys: keys ?? [key.publicKey], board: "qemu-x86_64", installedSecurityVersion: installed,
            stateFormat: stateFormat, now: now ?? self.now)
    }

    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Writes a changed copy of a release; returns its path.
    func altered(_ path: String, as name: String, _ change: (inout [UInt8]) -> Void) throws -> String {
        var data = try bytes(path)
        change(&data)
        let out = "\(directory)/\(name)"
        try Fixtures.write(data, to: out)
        return out
    }

    /// The refusal's code and message, or nil when the release was accepted.
    func refusal(_ path: String, _ trust: ReleaseTrust, into target: String? = nil) -> ReleaseError? {
        do {
            _ = try ReleaseReader.read(path: path, trust: trust, extractingInto: target)
            return nil
        } catch { return error }
    }
}

extension Array where Element == UInt8 {
    /// Where the tar header of the member `name` starts (on a 512-byte block).
    func header(of name: String) -> Int? {
        let n = Array(name.utf8) + [0]
        return stride(from: 0, to: count - 512, by: 512).first { self[$0..<($0 + n.count)].elementsEqual(n) }
    }

    /// Where `needle` first occurs.
    func offset(of needle: String) -> Int? {
        let n = Array(needle.utf8)
        guard n.count <= count else { return nil }
        return (0...(count - n.count)).first { self[$0..<($0 + n.count)].elementsEqual(n) }
    }
}
