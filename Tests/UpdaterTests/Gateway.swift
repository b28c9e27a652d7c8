import DeviceIdentity
import EdgeSystem
import Foundation
import Release
import TestSupport

@testable import Updater

/// A gateway's firmware layout in a scratch directory: the release key installed in
/// ETC, the board's name, an empty root; releases made on demand.
final class Gateway {
    let directory: String
    let paths: UpdatePaths
    let key: DeviceKey
    let time: ManualTime
    let updater: Updater
    let created: WallTime
    private var made = 0

    init() throws {
        directory = try Fixtures.scratchDirectory("updater")
        paths = UpdatePaths(root: "\(directory)/opt", etc: "\(directory)/etc", stateDirectory: "\(directory)/state")
        try FileSystem.makeDirectories(paths.slots)
        try FileSystem.makeDirectories(paths.etc)
        key = try DeviceKey.create(keyFile: "\(directory)/release.key", role: "release key")
        try Fixtures.write(Array(key.publicKey.fileText.utf8), to: paths.anchorKey)
        try Fixtures.write(Array("qemu-x86_64\n".utf8), to: paths.board)
        time = ManualTime()
        created = time.wallNow()
        updater = Updater(paths: paths, time: time)
    }

    /// A release of `version` whose daemon is a script printing the version.
    func release(
        _ version: String, security: UInt64, board: String = "qemu-x86_64", signer: DeviceKey? = nil,
        next: MinisignPublicKey? = nil, days: Int64 = 30
    ) throws -> String {
        made += 1
        let source = "\(directory)/src-\(made)"
        try FileSystem.makeDirectories(source)
        try Fixtures.write(Array("#!/bin/sh\necho \(version)\n".utf8), to: "\(source)/edge-recorderd")
        chmod("\(source)/edge-recorderd", 0o755)
        try Fixtures.write((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &+ made) }, to: "\(source)/libdata.so")
        let manifest = ReleaseManifest(
            version: version, securityVersion: security, board: board, created: created,
            expires: created + .seconds(days * 86400), stateFormats: [StateFormat.current], nextReleaseKey: next)
        let output = "\(directory)/release-\(made)-\(version).tar"
        try ReleaseArchive.make(
            manifest,
            files: [
                .init(source: "\(source)/edge-recorderd", path: "bin/edge-recorderd"),
                .init(source: "\(source)/libdata.so", path: "lib/libdata.so"),
            ], key: signer ?? key, output: output)
        return output
    }

    /// Installs and commits `version`: the gateway as a package would leave it.
    func bootstrap(_ version: String = "1.0.0", security: UInt64 = 1) throws {
        try updater.install(archive: try release(version, security: security))
        _ = try updater.boot()
        try updater.commit(detail: "first install")
    }

    var slots: Slots { Slots(paths: paths) }
    var current: SlotName? { try? slots.current }
    var committed: SlotName? { try? slots.committed }

    /// The version the running slot's daemon reports.
    var runningVersion: String? {
        guard let data = FileManager.default.contents(atPath: "\(paths.current)/bin/edge-recorderd") else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: " ").last.map { String($0.dropLast()) }
    }

    var state: UpdateState { (try? UpdateState.load(paths)) ?? UpdateState() }

    /// Every file under the root (names and contents), to show a refusal changed nothing.
    func snapshot() -> [String: Data] {
        var out: [String: Data] = [:]
        let base = paths.root
        if let walker = FileManager.default.enumerator(atPath: base) {
            for case let name as String in walker {
                let path = "\(base)/\(name)"
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                    out[name] = Data(target.utf8)
                } else if let data = FileManager.default.contents(atPath: path) {
                    out[name] = data
                }
            }
        }
        return out
    }
}
