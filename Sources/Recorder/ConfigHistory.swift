import EdgeCore
import EdgeSystem

/// The configs the daemon has run with, newest last: `<state>/config-history/000007-20261129T143301Z.json`.
/// Every apply and rollback adds the config it installs; the oldest beyond `keep` are
/// removed. Versions are numbered from 1 and never reused.
package struct ConfigHistory: Sendable {
    package struct Version: Sendable, Equatable {
        package var number: Int
        /// `20261129T143301Z`
        package var savedAt: String
        package var path: String
    }

    package let directory: String
    package let keep: Int

    package init(stateDirectory: String, keep: Int = 10) {
        directory = stateDirectory + "/config-history"
        self.keep = keep
    }

    /// Oldest first. Files that are not versions (a `.partial` left by a power cut) are ignored.
    package func versions() -> [Version] {
        let names = (try? FileSystem.list(directory)) ?? []
        return names.compactMap { name -> Version? in
            guard name.hasSuffix(".json"), let dash = name.firstIndex(of: "-"), let number = Int(name[..<dash]), number > 0
            else { return nil }
            let stamp = String(name[name.index(after: dash)...].dropLast(5))
            return Version(number: number, savedAt: stamp, path: directory + "/" + name)
        }.sorted { $0.number < $1.number }
    }

    /// Saves `bytes` as the next version (fsynced) and prunes the oldest beyond `keep`.
    @discardableResult
    package func save(_ bytes: [UInt8], at time: WallTime) throws(SystemError) -> Version {
        try FileSystem.makeDirectories(directory, mode: 0o750)
        let all = versions()
        let number = (all.last?.number ?? 0) + 1
        let name = number.zeroPadded(6) + "-" + time.compactUTC + ".json"
        let version = Version(number: number, savedAt: time.compactUTC, path: directory + "/" + name)
        try FileSystem.writeAtomically(bytes, to: version.path)
        try FileSystem.syncDirectory(directory)
        for old in (all + [version]).dropLast(keep) { try? FileSystem.remove(old.path) }
        return version
    }

    package func read(_ version: Version) throws(SystemError) -> [UInt8] {
        try FileSystem.readFile(version.path, limit: 1 << 20)
    }
}
