import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import Release

/// Installs releases into the slot that is not running, switches to them on probation,
/// and commits or rolls them back (Board/README.md, "Slots"). Every step writes so that
/// a power cut anywhere leaves a slot that ran before, or the new one on probation.
///
/// The order of writes is what makes that true:
/// - install: the slot is filled and synced, the probation is saved, then `current` moves;
/// - commit: `committed` moves, then the state is saved (the next check finishes a commit
///   it finds half done);
/// - roll back on probation: the state is saved (release marked bad), then `current` moves
///   back (the next check puts `current` back on `committed` if the cut came between).
public struct Updater: Sendable {
    /// Starts a release may take on probation before the check rolls it back.
    public static let maxStarts = 3

    public let paths: UpdatePaths
    private let time: any TimeSource

    public init(paths: UpdatePaths, time: any TimeSource = SystemTime()) {
        self.paths = paths
        self.time = time
    }

    private var slots: Slots { Slots(paths: paths) }

    // MARK: Install

    /// Verifies `archive` into the slot not running and switches `current` to it on
    /// probation. Refused, nothing switched, when the release is refused, marked bad, or
    /// another is on probation.
    /// `archiveSHA256` (hex) names the archive as the centre announced it; without it (a
    /// technician's file) the archive is hashed here once it has verified. The slot keeps
    /// it, so the update channel knows the release installed when the centre offers that
    /// archive. A refusal of an announced archive, or a rollback, keeps the channel from
    /// fetching it again.
    @discardableResult
    public func install(archive: String, archiveSHA256 announced: String? = nil) throws(UpdateError) -> VerifiedRelease {
        let lock = try takeLock()
        defer { _ = lock }
        var state = try UpdateState.load(paths)
        if let probation = state.probation {
            throw UpdateError(
                .onProbation,
                "release \(probation.version) is on probation in slot \(probation.slot.rawValue): it must commit or roll back first (edgectl update rollback)")
        }
        let current = try slots.current
        let committed = try slots.committed
        guard current == committed else {
            throw UpdateError(.corruptState, "\(paths.current) and \(paths.committed) differ with nothing on probation; run `edgectl update boot` first")
        }
        let target = current?.other ?? .a
        let staging = "\(paths.slot(target)).new"
        let now = time.wallNow()
        var trust = try self.trust(state)
        trust.now = now
        let release: VerifiedRelease
        do throws(UpdateError) {
            try slots.clear(staging)
            do { try FileSystem.makeDirectories(staging, mode: 0o755) } catch { throw .storage(error, "cannot make \(staging)") }
            do { release = try ReleaseReader.read(path: archive, trust: trust, extractingInto: staging) } catch {
                throw UpdateError(error)
            }
        } catch {
            try? slots.clear(staging)
            if case .refused = error.code {
                state.record(archive.split(separator: "/").last.map(String.init) ?? archive, .refused, error.message, at: now)
                state.skip(archive: announced)
                try? state.save(paths)
            }
            throw error
        }
        let sha = SHA256.hash(release.manifestBytes)
        if let bad = state.bad.first(where: { $0.manifestSHA256 == sha }) {
            try? slots.clear(staging)
            state.skip(archive: announced)
            try? state.save(paths)
            throw UpdateError(.markedBad, "release \(bad.version) failed before (\(bad.reason)) and is never retried; ask the centre for a new release")
        }
        // A technician's file is hashed once it has verified (a refused one is not worth
        // it, and its refusal is not remembered against the centre's copy of the bytes).
        let archiveSHA256: String
        if let announced {
            archiveSHA256 = announced
        } else {
            do { archiveSHA256 = Hex.encode(try SHA256.file(archive).sha256) } catch {
                try? slots.clear(staging)
                switch error {
                case .storage(let cause): throw .storage(cause, "cannot read the release \(archive) again to hash it")
                case .crypto(let cause): throw UpdateError(.storage, "cannot hash the release \(archive): \(cause)", cause: cause)
                }
            }
        }
        do throws(SystemError) {
            var records = [(ReleaseArchive.manifestName, release.manifestBytes), (ReleaseArchive.signatureName, release.signature)]
            records.append((Slots.archiveName, Array("\(archiveSHA256)\n".utf8)))
            for (name, bytes) in records {
                try FileSystem.writeAtomically(bytes, to: "\(staging)/\(name)", mode: 0o644)
            }
            try FileSystem.syncDirectory(staging)
        } catch {
            try? slots.clear(staging)
            throw .storage(error, "cannot write the release into \(staging)")
        }
        try slots.clear(paths.slot(target))
        do throws(SystemError) {
            try FileSystem.rename(staging, to: paths.slot(target))
            try FileSystem.syncDirectory(paths.slots)
        } catch { throw .storage(error, "cannot move the release into slot \(target.rawValue)") }
        let manifest = release.manifest
        state.probation = UpdateState.Probation(
            slot: target, version: manifest.version, securityVersion: manifest.securityVersion, manifestSHA256: sha,
            nextReleaseKey: manifest.nextReleaseKey, starts: 0, since: now, archiveSHA256: archiveSHA256)
        try state.save(paths)
        try slots.point(paths.current, at: target)
        return release
    }

    /// Records a release refused before it was fetched (its announcement alone was enough):
    /// an outcome for the centre, and the archive is not fetched again.
    public func refuse(version: String, archiveSHA256: String, reason: String) throws(UpdateError) {
        let lock = try takeLock()
        defer { _ = lock }
        var state = try UpdateState.load(paths)
        guard !state.skippedArchives.contains(archiveSHA256) else { return }
        state.record(version, .refused, reason, at: time.wallNow())
        state.skip(archive: archiveSHA256)
        try state.save(paths)
    }

    // MARK: Before each start

    /// What the check before a start found and did.
    public enum BootDecision: Sendable, Equatable {
        /// Nothing on probation: the committed release starts.
        case steady
        /// The release on probation starts, for the `starts`-th time.
        case probation(version: String, starts: Int)
        /// The release on probation was rolled back; the committed one starts.
        case rolledBack(version: String, reason: String)
        /// A power cut came between two steps; the check finished them.
        case repaired(String)
    }

    /// Run before every start of the daemon, by the committed slot's `edgectl update boot`:
    /// counts the starts on probation and rolls back after `maxStarts`.
    public func boot() throws(UpdateError) -> BootDecision {
        let lock = try takeLock()
        defer { _ = lock }
        var state = try UpdateState.load(paths)
        let current = try slots.current
        let committed = try slots.committed
        guard var probation = state.probation else {
            if let committed, current != committed {
                try slots.point(paths.current, at: committed)
                return .repaired("\(paths.current) named another slot than \(paths.committed) with nothing on probation; it was put back")
            }
            return .steady
        }
        if committed == probation.slot {
            try finishCommit(&state, probation, detail: "the commit was interrupted and finished at the next start")
            return .repaired("release \(probation.version)'s commit was finished")
        }
        guard current == probation.slot else {
            state.probation = nil
            state.record(probation.version, .rolledBack, "the switch to it was interrupted", at: time.wallNow())
            try state.save(paths)
            return .repaired("the switch to release \(probation.version) was interrupted; the committed release starts")
        }
        if probation.starts >= Self.maxStarts {
            let reason = "it did not prove itself in \(probation.starts) starts"
            try rollBack(&state, probation, reason: reason)
            return .rolledBack(version: probation.version, reason: reason)
        }
        probation.starts += 1
        state.probation = probation
        try state.save(paths)
        return .probation(version: probation.version, starts: probation.starts)
    }

    // MARK: Commit and roll back

    /// Marks the release on probation good: it becomes the committed one, its security
    /// version the floor, its next release key (if it names one) the trusted key.
    public func commit(detail: String) throws(UpdateError) {
        let lock = try takeLock()
        defer { _ = lock }
        var state = try UpdateState.load(paths)
        guard let probation = state.probation, try slots.current == probation.slot else {
            throw UpdateError(.nothingToDo, "no release is on probation in the running slot")
        }
        try slots.point(paths.committed, at: probation.slot)
        try finishCommit(&state, probation, detail: detail)
    }

    /// Rolls the release on probation back (marked bad, never retried); with nothing on
    /// probation, goes back to the other slot's release if its security version is not
    /// below the floor. The daemon must then restart to run it.
    public func rollBack(reason: String) throws(UpdateError) -> String {
        let lock = try takeLock()
        defer { _ = lock }
        var state = try UpdateState.load(paths)
        if let probation = state.probation {
            try rollBack(&state, probation, reason: reason)
            return "release \(probation.version) was rolled back and will not be installed again"
        }
        guard let committed = try slots.committed, let previous = slots.release(in: committed.other) else {
            throw UpdateError(.nothingToDo, "there is no other release to go back to")
        }
        guard previous.securityVersion >= state.securityVersion else {
            throw UpdateError(
                .refused(.downgrade),
                "release \(previous.version) in slot \(committed.other.rawValue) has security version \(previous.securityVersion), below the installed \(state.securityVersion): going back to it is a downgrade")
        }
        let running = slots.release(in: committed)
        try slots.point(paths.committed, at: committed.other)
        try slots.point(paths.current, at: committed.other)
        if let running {
            state.markBad(running.version, SHA256.hash(running.canonicalBytes), reason: reason)
            state.record(running.version, .rolledBack, reason, at: time.wallNow())
        }
        try state.save(paths)
        return "slot \(committed.other.rawValue) (release \(previous.version)) runs from the next start"
    }

    private func finishCommit(_ state: inout UpdateState, _ probation: UpdateState.Probation, detail: String) throws(UpdateError) {
        state.securityVersion = max(state.securityVersion, probation.securityVersion)
        if let next = probation.nextReleaseKey { state.trustedKeys = [next] }
        state.probation = nil
        state.record(probation.version, .committed, detail, at: time.wallNow())
        try state.save(paths)
    }

    private func rollBack(_ state: inout UpdateState, _ probation: UpdateState.Probation, reason: String) throws(UpdateError) {
        guard let committed = try slots.committed, committed != probation.slot else {
            throw UpdateError(.corruptState, "no committed release to go back to (\(paths.committed) is missing)")
        }
        state.markBad(probation.version, probation.manifestSHA256, reason: reason)
        state.skip(archive: probation.archiveSHA256)
        state.record(probation.version, .rolledBack, reason, at: time.wallNow())
        state.probation = nil
        try state.save(paths)
        try slots.point(paths.current, at: committed)
    }

    // MARK: What is trusted and installed

    /// The keys, board, floor and state format a release is checked against here. No key
    /// installed means no release is accepted: checking is never off.
    func trust(_ state: UpdateState) throws(UpdateError) -> ReleaseTrust {
        var keys = state.trustedKeys
        if keys.isEmpty {
            do {
                let text = try FileSystem.readFile(paths.anchorKey, limit: 4096)
                keys = [try MinisignPublicKey(parsing: String(decoding: text, as: UTF8.self))]
            } catch {
                throw UpdateError(.setup, "no release key is installed (\(paths.anchorKey): \(error)): no release can be accepted")
            }
        }
        let board: String
        do {
            let text = String(decoding: try FileSystem.readFile(paths.board, limit: 256), as: UTF8.self)
            board = String(text.filter { !$0.isWhitespace })
        } catch {
            throw UpdateError(.setup, "\(paths.board) cannot be read (\(error)): it names the board (qemu-x86_64, rpi4…)")
        }
        return ReleaseTrust(keys: keys, board: board, installedSecurityVersion: state.securityVersion, stateFormat: StateFormat.current)
    }

    private func takeLock() throws(UpdateError) -> DirectoryLock {
        do throws(SystemError) { try FileSystem.makeDirectories(paths.updateDirectory, mode: 0o750) } catch {
            throw .storage(error, "cannot make \(paths.updateDirectory)")
        }
        do { return try DirectoryLock.acquire(directory: paths.updateDirectory, patience: .seconds(10)) } catch {
            if case .held = error {
                throw UpdateError(.busy, "another update step is running (\(paths.updateDirectory)/.lock); try again when it ends")
            }
            throw UpdateError(.storage, "\(error)")
        }
    }
}
