import DeviceIdentity
import EdgeSystem
import Foundation
import Release
import TestSupport
import Testing

@testable import Updater

@Suite struct InstallTests {
    @Test func aFirstInstallFillsSlotAAndCommitsIt() throws {
        let g = try Gateway()
        try g.bootstrap("1.0.0", security: 1)
        #expect(g.current == .a && g.committed == .a)
        #expect(g.runningVersion == "1.0.0")
        #expect(g.state.securityVersion == 1)
        #expect(g.state.probation == nil)
        #expect(g.state.outcomes.first?.result == .committed)
    }

    @Test func aReleaseGoesToTheIdleSlotOnProbationAndCommits() throws {
        let g = try Gateway()
        try g.bootstrap()
        let running = try Data(contentsOf: URL(fileURLWithPath: g.paths.slot(.a) + "/bin/edge-recorderd"))
        try g.updater.install(archive: try g.release("1.1.0", security: 2))
        #expect(g.current == .b && g.committed == .a)
        #expect(g.runningVersion == "1.1.0")
        // The running slot was never written.
        #expect(try Data(contentsOf: URL(fileURLWithPath: g.paths.slot(.a) + "/bin/edge-recorderd")) == running)
        #expect(g.state.probation?.starts == 0)
        #expect(try g.updater.boot() == .probation(version: "1.1.0", starts: 1))
        try g.updater.commit(detail: "healthy")
        #expect(g.committed == .b)
        #expect(g.state.securityVersion == 2)
        #expect(try g.updater.boot() == .steady)
        // The slot keeps its signed manifest, which minisign and `status` read.
        let status = try g.updater.status()
        #expect(status.slots.map { $0.release?.version } == ["1.0.0", "1.1.0"])
        #expect(status.text.contains("slot b: release 1.1.0, security 2 (running, committed)"))
        #expect(status.text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    @Test func aDaemonThatNeverProvesItselfIsRolledBackAfterThreeStartsAndNeverRetried() throws {
        let g = try Gateway()
        try g.bootstrap()
        let bad = try g.release("1.1.0", security: 2)
        try g.updater.install(archive: bad)
        for n in 1...Updater.maxStarts {
            #expect(try g.updater.boot() == .probation(version: "1.1.0", starts: n))
        }
        guard case .rolledBack(let version, let reason) = try g.updater.boot() else {
            Issue.record("not rolled back")
            return
        }
        #expect(version == "1.1.0" && reason.contains("3 starts"))
        #expect(g.current == .a && g.committed == .a && g.runningVersion == "1.0.0")
        #expect(g.state.securityVersion == 1)
        #expect(g.state.outcomes.first?.result == .rolledBack)
        #expect(try g.updater.status().text.contains("slot b: release 1.1.0, security 2 (bad)"))
        do {
            try g.updater.install(archive: bad)
            Issue.record("a release marked bad was installed again")
        } catch {
            #expect(error.code == .markedBad)
            #expect(error.message.contains("never retried"))
        }
        #expect(g.current == .a)
        try g.updater.install(archive: try g.release("1.1.1", security: 2))
        #expect(g.current == .b && g.runningVersion == "1.1.1")
    }

    @Test func aSecondInstallWaitsForTheProbationToEnd() throws {
        let g = try Gateway()
        try g.bootstrap()
        try g.updater.install(archive: try g.release("1.1.0", security: 2))
        #expect(throws: UpdateError.self) { try g.updater.install(archive: try g.release("1.2.0", security: 2)) }
        #expect(g.state.probation?.version == "1.1.0")
    }

    @Test func aTechnicianRollsBackOnProbationOrAfterACommitButNotBelowTheFloor() throws {
        let g = try Gateway()
        try g.bootstrap("1.0.0", security: 1)
        try g.updater.install(archive: try g.release("1.1.0", security: 1))
        _ = try g.updater.rollBack(reason: "camera 2 black")
        #expect(g.current == .a && g.state.probation == nil)
        #expect(g.state.bad.map(\.version) == ["1.1.0"])
        // After a commit at the same security version, going back is allowed…
        try g.updater.install(archive: try g.release("1.1.1", security: 1))
        try g.updater.commit(detail: "ok")
        #expect(try g.updater.rollBack(reason: "regression").contains("release 1.0.0"))
        #expect(g.current == .a && g.committed == .a)
        // …but not below the security version installed since.
        try g.updater.install(archive: try g.release("2.0.0", security: 3))
        try g.updater.commit(detail: "ok")
        do {
            _ = try g.updater.rollBack(reason: "no")
            Issue.record("rolled back below the floor")
        } catch {
            #expect(error.code == .refused(.downgrade))
        }
        #expect(g.current == .b && g.runningVersion == "2.0.0")
    }

    @Test func aRotatedKeyIsTrustedOnlyOnceTheReleaseNamingItCommits() throws {
        let g = try Gateway()
        try g.bootstrap()
        let next = try DeviceKey.create(keyFile: "\(g.directory)/next.key", role: "release key")
        try g.updater.install(archive: try g.release("1.1.0", security: 2, next: next.publicKey))
        // On probation the new key is not trusted yet.
        try g.updater.commit(detail: "ok")
        #expect(g.state.trustedKeys == [next.publicKey])
        #expect(throws: UpdateError.self) { try g.updater.install(archive: try g.release("1.2.0", security: 2)) }
        try g.updater.install(archive: try g.release("1.2.0", security: 2, signer: next))
        #expect(g.runningVersion == "1.2.0")
    }
}

/// Each refusal of issue's list: a clear message, nothing installed or switched, and an
/// outcome recorded for the centre.
@Suite struct RefusalTests {
    func refused(_ g: Gateway, _ archive: String) throws -> UpdateError {
        let before = g.snapshot()
        do {
            try g.updater.install(archive: archive)
        } catch {
            #expect(g.snapshot() == before, "\(error)")
            #expect(g.state.probation == nil)
            return error
        }
        Issue.record("installed \(archive)")
        throw CancellationError()
    }

    @Test func tamperedWrongKeyExpiredDowngradeWrongBoardAreRefusedAndChangeNothing() throws {
        let g = try Gateway()
        try g.bootstrap("1.0.0", security: 3)
        let good = try g.release("1.1.0", security: 3)
        var tampered = try Data(contentsOf: URL(fileURLWithPath: good))
        tampered[tampered.count - 10240 - 600] ^= 0x20
        let tamperedPath = "\(g.directory)/tampered.tar"
        try tampered.write(to: URL(fileURLWithPath: tamperedPath))
        let other = try DeviceKey.create(keyFile: "\(g.directory)/other.key", role: "release key")
        let cases: [(String, ReleaseErrorCode, String)] = [
            (tamperedPath, .fileMismatch, "lib/libdata.so"),
            (try g.release("1.1.0", security: 3, signer: other), .signature, "not trusted"),
            (try g.release("1.1.0", security: 3, days: 1), .expired, "expired at"),
            (try g.release("0.9.0", security: 2), .downgrade, "below the installed 3"),
            (try g.release("1.1.0", security: 3, board: "rpi4"), .wrongBoard, "\"rpi4\""),
        ]
        g.time.stepWallClock(by: .seconds(2 * 86400))
        for (archive, code, words) in cases {
            let error = try refused(g, archive)
            #expect(error.code == .refused(code), "\(error)")
            #expect(error.message.contains(words), "\(error)")
            #expect(g.state.outcomes.first?.result == .refused)
        }
        #expect(!FileSystem.exists(g.paths.slot(.b) + ".new"))
        try g.updater.install(archive: good)
        #expect(g.runningVersion == "1.1.0")
    }

    @Test func aTruncatedDownloadIsRefusedAsRetryableAndInstallsOnceComplete() throws {
        let g = try Gateway()
        try g.bootstrap()
        let good = try g.release("1.1.0", security: 2)
        let whole = try Data(contentsOf: URL(fileURLWithPath: good))
        let part = "\(g.directory)/part.tar"
        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: part))
        let error = try refused(g, part)
        #expect(error.code == .refused(.truncated))
        #expect(error.isRetryable)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: part))
        handle.seekToEndOfFile()
        handle.write(whole.suffix(from: whole.count / 2))
        try handle.close()
        try g.updater.install(archive: part)
        #expect(g.runningVersion == "1.1.0")
    }

    @Test(.enabled(if: getuid() == 0 && Tool.available("mount")))
    func aFullDiskDuringInstallIsRefusedAndChangesNothing() throws {
        let g = try Gateway()
        // The slots on a 256 KiB filesystem: the first release (~70 KB) fits, two do not.
        #expect(try Tool.run("mount", ["-t", "tmpfs", "-o", "size=160k", "tmpfs", g.paths.slots]).status == 0)
        defer { _ = try? Tool.run("umount", [g.paths.slots]) }
        try g.bootstrap()
        let big = try g.release("1.1.0", security: 2)
        let error = try refused(g, big)
        #expect(error.code == .storage)
        #expect(error.isRetryable)
        #expect(error.message.contains("ENOSPC") || error.message.contains("space"))
        #expect(g.runningVersion == "1.0.0")
    }

    @Test func withNoReleaseKeyInstalledNothingIsAccepted() throws {
        let g = try Gateway()
        try FileSystem.remove(g.paths.anchorKey)
        let error = try refused(g, try g.release("1.0.0", security: 1))
        #expect(error.code == .setup)
        #expect(error.message.contains("no release key is installed"))
    }

    @Test func aDamagedUpdateStateIsReportedNeverReset() throws {
        let g = try Gateway()
        try g.bootstrap("1.0.0", security: 7)
        try Fixtures.write(Array("{\"format\":1,".utf8), to: g.paths.stateFile)
        let archive = try g.release("1.1.0", security: 1)
        do {
            try g.updater.install(archive: archive)
            Issue.record("installed over a damaged state")
        } catch {
            #expect(error.code == .corruptState)
            #expect(error.message.contains("state.json"))
        }
        #expect(try String(contentsOfFile: g.paths.stateFile, encoding: .utf8) == "{\"format\":1,")
    }
}

/// A power cut between any two writes: the next check before a start leaves a slot that
/// ran before, or the new release still on probation.
@Suite struct PowerCutTests {
    @Test func aCutBetweenSavingTheProbationAndTheSwitchStartsTheOldRelease() throws {
        let g = try Gateway()
        try g.bootstrap()
        try g.updater.install(archive: try g.release("1.1.0", security: 2))
        try g.slots.point(g.paths.current, at: .a)  // as if the switch never happened
        guard case .repaired = try g.updater.boot() else { Issue.record("not repaired"); return }
        #expect(g.current == .a && g.state.probation == nil && g.runningVersion == "1.0.0")
        #expect(g.state.bad.isEmpty)  // not the release's fault: it may be pushed again
    }

    @Test func aCutInTheMiddleOfACommitIsFinishedAtTheNextStart() throws {
        let g = try Gateway()
        try g.bootstrap()
        try g.updater.install(archive: try g.release("1.1.0", security: 2))
        try g.slots.point(g.paths.committed, at: .b)  // committed moved, state not yet saved
        guard case .repaired = try g.updater.boot() else { Issue.record("not repaired"); return }
        #expect(g.state.probation == nil && g.state.securityVersion == 2)
        #expect(g.current == .b && g.committed == .b)
    }

    @Test func aCutInTheMiddleOfARollbackPutsTheCommittedReleaseBack() throws {
        let g = try Gateway()
        try g.bootstrap()
        let archive = try g.release("1.1.0", security: 2)
        try g.updater.install(archive: archive)
        // Rolled back: state saved, then the cut before `current` moved back.
        _ = try g.updater.rollBack(reason: "test")
        try g.slots.point(g.paths.current, at: .b)
        guard case .repaired = try g.updater.boot() else { Issue.record("not repaired"); return }
        #expect(g.current == .a && g.runningVersion == "1.0.0")
        #expect(throws: UpdateError.self) { try g.updater.install(archive: archive) }
    }

    @Test func aLeftoverStagingDirectoryIsClearedByTheNextInstall() throws {
        let g = try Gateway()
        try g.bootstrap()
        try FileSystem.makeDirectories(g.paths.slot(.b) + ".new/bin")
        try Fixtures.write([1, 2, 3], to: g.paths.slot(.b) + ".new/bin/edge-recorderd")
        try g.updater.install(archive: try g.release("1.1.0", security: 2))
        #expect(g.runningVersion == "1.1.0")
    }
}
