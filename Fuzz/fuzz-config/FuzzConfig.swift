import EdgeJSON
import FuzzSupport
import RecorderConfig

/// The config loader on any bytes, then `config set` on what parsed.
///
/// Input: a config document, optionally followed by a NUL byte, a setting's path, another
/// NUL and a value as typed (`edgectl config set PATH VALUE`). The loader either refuses
/// the document naming at least one problem, or returns a config that keeps every bound
/// the config reference promises and that does not depend on the document's layout or
/// member order. The edit, when its result loads, gives a consistent `ConfigChanges`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
    let document = Array(parts[0])
    let config = load(document)
    if let config {
        checkBounds(config)
        if let json = try? JSONParser.parse(document) {
            expect(load(CanonicalJSON.encode(json)) == config, "the canonical form of a config loads differently")
        }
        let same = ConfigChanges(from: config, to: config)
        expect(same.camerasUnchanged && same.restartRequired.isEmpty, "a config differs from itself: \(same)")
    }
    guard parts.count == 3, let json = try? JSONParser.parse(document) else { return 0 }
    let path = String(decoding: parts[1], as: UTF8.self)
    guard let edited = try? ConfigEditor.set(path, to: ConfigEditor.value(String(decoding: parts[2], as: UTF8.self)), in: json),
        let new = load(Array(CanonicalJSON.pretty(edited).utf8))
    else { return 0 }
    checkBounds(new)
    guard let old = config else { return 0 }
    let changes = ConfigChanges(from: old, to: new)
    let oldIDs = Set(old.cameras.map(\.id)), newIDs = Set(new.cameras.map(\.id))
    expect(Set(changes.added) == newIDs.subtracting(oldIDs), "added cameras \(changes.added)")
    expect(Set(changes.removed) == oldIDs.subtracting(newIDs), "removed cameras \(changes.removed)")
    expect(Set(changes.changed).isSubset(of: oldIDs.intersection(newIDs)), "changed cameras \(changes.changed)")
    let running = ConfigChanges.running(old: old, new: new)
    expect(running.cameras == new.cameras && running.gateway == old.gateway, "the running config mixes old and new wrongly")
    return 0
}

/// The config, or nil when refused; a refusal must name at least one problem.
private func load(_ bytes: [UInt8]) -> RecorderConfiguration? {
    do {
        return try ConfigLoader.parse(bytes, source: "fuzz.json")
    } catch {
        expect(!error.problems.isEmpty, "a config was refused without a problem named")
        _ = error.description
        return nil
    }
}

/// What Board/config.md promises of a config that loaded.
private func checkBounds(_ c: RecorderConfiguration) {
    expect((1...16).contains(c.cameras.count), "\(c.cameras.count) cameras")
    expect(Set(c.cameras.map(\.id)).count == c.cameras.count, "camera ids repeat")
    expect((1...8).contains(c.recipients.count), "\(c.recipients.count) recipients")
    expect((2...300).contains(c.segmentSeconds) && (1...60).contains(c.fsyncSeconds), "segment or fsync seconds")
    expect(c.stateDirectory.hasPrefix("/"), "relative state directory")
    expect(Set(c.destinations.map(\.name)).count == c.destinations.count, "destination names repeat")
    for camera in c.cameras {
        expect(camera.segmentSeconds.map { (2...300).contains($0) } ?? true, "camera segment seconds")
        switch camera.source {
        case .testPattern(let size, let fps, let quality):
            expect(size.width % 2 == 0 && size.height % 2 == 0 && (1...120).contains(fps) && (1...100).contains(quality), "test pattern")
        case .file(let path, _, let fps):
            expect(path.hasPrefix("/") && (1...120).contains(fps), "file source")
        case .v4l2(let v):
            expect(v.device.hasPrefix("/dev/") && (v.fps.map { (1...120).contains($0) } ?? true), "v4l2 source")
            expect(v.pixelFormat.map { $0.utf8.count == 4 } ?? true, "pixel format")
        }
    }
    let s = c.storage
    expect(s.maxMiB == 0 || (s.cameraMaxMiB <= s.maxMiB && s.holdMaxMiB <= s.maxMiB), "storage bounds \(s)")
}
