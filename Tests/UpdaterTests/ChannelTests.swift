import EdgeJSON
import EdgeSystem
import Foundation
import Release
import TestSupport
import Testing
import UpdateChannel

@testable import Updater

/// The update channel against a centre in memory: what it fetches, when it resumes, what
/// it refuses and what it reports.
@Suite struct ChannelTests {
    func channel(_ g: Gateway, _ centre: ChannelCentre) -> UpdateChannel {
        UpdateChannel(base: "https://centre.test", transport: centre, updater: g.updater, time: g.time)
    }

    @Test func withNothingPublishedItOnlyReports() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        #expect(channel(g, centre).round() == .idle("nothing published for this gateway"))
        #expect(centre.reports.count == 1)
        #expect(centre.reports[0]["firmware"]?["version"] == .string("1.0.0"))
        #expect(centre.reports[0]["firmware"]?["slot"] == .string("a"))
    }

    @Test func aPublishedReleaseIsFetchedInstalledOnProbationAndReportedOnlyOnceFinal() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        let first = try g.release("1.1.0", security: 2)
        let hex = try centre.publish(first, version: "1.1.0")
        let c = channel(g, centre)
        #expect(c.round() == .installed(version: "1.1.0"))
        #expect(g.current == .b && g.state.probation?.archiveSHA256 == hex)
        #expect(centre.reports.isEmpty)  // not before the outcome is final
        // After the restart: on probation, nothing fetched again; then committed.
        let after = channel(g, centre)
        #expect(after.round() == .idle("release 1.1.0 is installed"))
        #expect(centre.reports.last?["probation"]?["version"] == .string("1.1.0"))
        // Another release waits for the probation to end.
        try centre.publish(try g.release("1.2.0", security: 2), version: "1.2.0")
        #expect(after.round() == .idle("release 1.1.0 is on probation; 1.2.0 waits"))
        try centre.publish(first, version: "1.1.0")
        try g.updater.commit(detail: "healthy")
        #expect(after.round() == .idle("release 1.1.0 is installed"))
        #expect(centre.releaseGets == ["whole"])
        let last = try #require(centre.reports.last)
        #expect(last["firmware"]?["version"] == .string("1.1.0"))
        guard case .array(let outcomes)? = last["outcomes"] else { Issue.record("no outcomes"); return }
        #expect(outcomes.first?["result"] == .string("committed"))
        #expect(!FileSystem.exists("\(g.paths.updateDirectory)/downloads/\(hex).tar"))
    }

    @Test func aReleaseATechnicianInstalledIsNotFetchedAgainWhenTheCentreOffersIt() throws {
        let g = try Gateway()
        let first = try g.release("1.0.0", security: 1)
        try g.updater.install(archive: first)  // from a USB stick: no announced hash
        _ = try g.updater.boot()
        try g.updater.commit(detail: "first install")
        let centre = ChannelCentre()
        try centre.publish(first, version: "1.0.0", security: 1)
        #expect(channel(g, centre).round() == .idle("release 1.0.0 is installed"))
        #expect(centre.releaseGets.isEmpty)
        #expect(g.state.probation == nil && g.current == .a)
    }

    @Test func aCutDownloadResumesWhereItStoppedAcrossRounds() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2), version: "1.1.0")
        centre.cutAfter = 30_000
        let c = channel(g, centre)
        var rounds = 0
        while case .failed(let why) = c.round() {
            #expect(why.contains("connection reset"), "\(why)")
            rounds += 1
            if rounds > 10 { break }
        }
        #expect(g.runningVersion == "1.1.0")
        let size = try #require(centre.releases.values.first).count
        #expect(centre.releaseGets == stride(from: 0, to: size, by: 30_000).map { $0 == 0 ? "whole" : "bytes=\($0)-" })
    }

    @Test func aWholeAnswerToARangedRequestStartsOver() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2), version: "1.1.0")
        centre.cutAfter = 40_000
        let c = channel(g, centre)
        guard case .failed = c.round() else { Issue.record("not cut"); return }
        centre.cutAfter = nil
        centre.ignoreRanges = true
        #expect(c.round() == .installed(version: "1.1.0"))
        #expect(centre.releaseGets == ["whole", "bytes=40000-", "whole"])
    }

    @Test func anArchiveOfAnotherHashIsDiscardedAndNotInstalled() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2), version: "1.1.0", announcedSHA: String(repeating: "ab", count: 32))
        guard case .failed(let why) = channel(g, centre).round() else { Issue.record("accepted"); return }
        #expect(why.contains("not the announced"))
        #expect(g.current == .a)
        #expect(try FileSystem.list("\(g.paths.updateDirectory)/downloads").isEmpty)
    }

    @Test func moreBytesThanAnnouncedAbortTheDownload() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2), version: "1.1.0")
        centre.extraBytes = 10
        guard case .failed(let why) = channel(g, centre).round() else { Issue.record("accepted"); return }
        #expect(why.contains("passed its announced size"))
        #expect(g.current == .a)
    }

    @Test func aRefusedReleaseIsReportedAndNeverFetchedAgain() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2, board: "rpi4"), version: "1.1.0")
        let c = channel(g, centre)
        guard case .failed(let why) = c.round() else { Issue.record("installed"); return }
        #expect(why.contains("is for board \"rpi4\""))
        guard case .array(let outcomes)? = centre.reports.last?["outcomes"] else { Issue.record("no report"); return }
        #expect(outcomes.first?["result"] == .string("refused"))
        #expect(c.round() == .idle("release 1.1.0 was refused or rolled back here before; it is not fetched again"))
        #expect(centre.releaseGets.count == 1)
    }

    @Test func aReleaseBelowTheFloorIsRefusedFromItsAnnouncementWithoutADownload() throws {
        let g = try Gateway()
        try g.bootstrap("1.0.0", security: 3)
        let centre = ChannelCentre()
        try centre.publish(try g.release("0.9.0", security: 2), version: "0.9.0", security: 2)
        let c = channel(g, centre)
        guard case .failed(let why) = c.round() else { Issue.record("not refused"); return }
        #expect(why.contains("below the installed 3"))
        #expect(centre.releaseGets.isEmpty)
        #expect(g.state.outcomes.first?.result == .refused)
        #expect(c.round() == .idle("release 0.9.0 was refused or rolled back here before; it is not fetched again"))
    }

    @Test func aReleaseWithAWindowIsDownloadedAtOnceAndInstalledOnlyInIt() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2), version: "1.1.0")
        // The manual clock starts at 07:06:40 UTC.
        var desired = try JSONParser.parse(try #require(centre.desired))
        if case .object(var members) = desired {
            members.append(("window", .object([("start", .string("02:00")), ("end", .string("05:00"))])))
            desired = .object(members)
        }
        centre.desired = CanonicalJSON.encode(desired)
        let c = channel(g, centre)
        #expect(c.round() == .idle("release 1.1.0 is downloaded and waits for its window, 02:00–05:00 UTC"))
        #expect(g.current == .a)
        g.time.stepWallClock(by: .seconds(20 * 3600))
        #expect(c.round() == .installed(version: "1.1.0"))
        #expect(centre.releaseGets == ["whole"])
    }

    @Test(.enabled(if: getuid() == 0 && Tool.available("mount")))
    func aFullCardDuringTheDownloadKeepsWhatArrivedAndResumesOnceThereIsRoom() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        try centre.publish(try g.release("1.1.0", security: 2), version: "1.1.0")
        let downloads = "\(g.paths.updateDirectory)/downloads"
        try FileSystem.makeDirectories(downloads)
        #expect(try Tool.run("mount", ["-t", "tmpfs", "-o", "size=40k", "tmpfs", downloads]).status == 0)
        let c = channel(g, centre)
        guard case .failed(let why) = c.round() else {
            _ = try? Tool.run("umount", [downloads])
            Issue.record("a 40 KiB card held the release")
            return
        }
        #expect(why.contains("ENOSPC") || why.contains("space"), "\(why)")
        let kept = try FileSystem.list(downloads).map { (try? FileSystem.size("\(downloads)/\($0)")) ?? 0 }.reduce(0, +)
        #expect(kept > 0)
        #expect(g.current == .a)
        _ = try Tool.run("umount", [downloads])
        // Room again (the tmpfs is gone): a fresh start, installed in full.
        #expect(c.round() == .installed(version: "1.1.0"))
    }

    @Test func theDesiredStateIsAskedWithItsETag() throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        let c = channel(g, centre)
        centre.desired = Array(#"{"pollSeconds":600,"release":null}"#.utf8)
        _ = c.round()
        _ = c.round()
        let asks = centre.requests.filter { $0.path == "/v1/desired" }
        #expect(asks.count == 2 && asks[0].headers.isEmpty)
        #expect(asks[1].headers.first?.0 == "If-None-Match")
        // The centre's interval, ±20 %.
        for random in [0, UInt64.max / 2, UInt64.max] {
            let wait = c.next(random: random)
            #expect(wait >= .seconds(480) && wait <= .seconds(720))
        }
    }

    @Test(arguments: [
        #"{"pollSeconds":5,"release":null}"#, #"{"pollSeconds":300}"#, #"{"pollSeconds":300,"release":null,"x":1}"#,
        #"{"pollSeconds":300,"release":{"version":"1","securityVersion":1,"size":0,"sha256":"00","url":"/"}}"#,
        #"{"pollSeconds":300,"release":null,"window":{"start":"25:00","end":"05:00"}}"#,
        #"{"pollSeconds":300,"release":null,"window":{"start":"02:00","end":"02:00"}}"#,
        #"{"pollSeconds":300,"release":null,"window":{"start":"2:00","end":"05:00"}}"#,
        "not json",
    ])
    func aMalformedDesiredStateFailsTheRoundAndBacksOff(_ text: String) throws {
        let g = try Gateway()
        try g.bootstrap()
        let centre = ChannelCentre()
        centre.desired = Array(text.utf8)
        let c = channel(g, centre)
        guard case .failed(let why) = c.round() else { Issue.record("accepted \(text)"); return }
        #expect(why.hasPrefix("update channel: the centre's desired state:") || why.contains("desired state"), "\(why)")
        #expect(c.next(random: 0) <= .seconds(72))
        _ = c.round()
        #expect(c.next(random: 0) >= .seconds(96) && c.next(random: 0) <= .seconds(144))
    }
}
