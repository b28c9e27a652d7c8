import EdgeSystem
import SegmentRing
import TestSupport
import Testing
@testable import Uplink

@Suite struct UploadQueueTests {
    /// Picks everything, acknowledging each pick at once.
    func drain(_ q: UploadQueue) -> [(UInt64, UploadClass)] {
        var out: [(UInt64, UploadClass)] = []
        while let (item, c) = q.next() {
            out.append((item.sequence, c))
            q.finished(item, acknowledged: true)
        }
        return out
    }

    @Test func heldThenLiveNewestFirstThenBackfillOldestFirst() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...10 { try h.segment("cam", s) }
        try h.holds.place(Hold(camera: "cam", from: 4, to: 5, reason: "case 2026-118", by: "test", at: h.time.wallNow()))
        let picks = drain(try h.queue(liveDepth: 2))
        #expect(picks.map(\.0) == [4, 5, 10, 9, 1, 2, 3, 6, 7, 8])
        #expect(picks.map(\.1) == [.held, .held, .live, .live] + Array(repeating: .backfill, count: 6))
    }

    @Test func aPartlySentSegmentIsFinishedBeforeNewerOnes() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...5 { try h.segment("cam", s) }
        let q = try h.queue(liveDepth: 5)
        let (first, _) = try #require(q.next())
        #expect(first.sequence == 5)
        // Cut mid-body: segment 5 is started; 6 arrives meanwhile.
        q.record(first, offset: 0, needsHead: true)
        q.finished(first, acknowledged: false)
        try h.segment("cam", 6)
        try q.refresh()
        #expect(q.next()?.item.sequence == 5)
    }

    @Test func camerasTakeTurnsWithinAClass() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...3 { try h.segment("a", s); try h.segment("b", s) }
        let picks = try h.queue(liveDepth: 0)
        var order: [String] = []
        while let (item, _) = picks.next() {
            order.append("\(item.camera)\(item.sequence)")
            picks.finished(item, acknowledged: true)
        }
        #expect(order == ["a1", "b1", "a2", "b2", "a3", "b3"])
    }

    @Test func backfillMovesWhileLiveKeepsArriving() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...20 { try h.segment("cam", s) }
        let q = try h.queue(liveDepth: 2, backfillEvery: 3)
        var classes: [UploadClass] = []
        var backfilled: [UInt64] = []
        var liveSent: [UInt64] = []
        for i in UInt64(1)...30 {
            try h.segment("cam", 20 + i)  // a new live segment before every pick
            try q.refresh()
            let (item, c) = try #require(q.next())
            classes.append(c)
            if c == .backfill { backfilled.append(item.sequence) } else { liveSent.append(item.sequence) }
            q.finished(item, acknowledged: true)
            try h.keeper.scan()
            try FileSystem.remove("\(h.layout.directory(camera: "cam"))/\(UplinkHarness.stem(item.sequence)).mkv.age")
        }
        // Two live picks, then one backfill, over and over: neither class starves.
        #expect(classes == [UploadClass.live, .live, .backfill].repeated(10))
        #expect(backfilled == backfilled.sorted())
        #expect(backfilled.first == 1)
        // Every new segment but the last two went out while live.
        #expect(liveSent.count == 20)
    }

    @Test func backfillNeverTakesTheLastFreeTransfer() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...10 { try h.segment("cam", s) }
        let q = try h.queue(liveDepth: 0, concurrency: 2)
        let (first, c1) = try #require(q.next())
        #expect(c1 == .backfill && first.sequence == 1)
        #expect(q.next() == nil)  // the second transfer is kept for live
        try h.segment("cam", 11)
        let q2 = UploadQueue(layout: h.layout, holds: h.holds, destination: "centre", liveDepth: 1, backfillEvery: 3, concurrency: 2)
        try q2.refresh()
        let (b, cb) = try #require(q2.next())
        let (l, cl) = try #require(q2.next())
        #expect(cb == .live && b.sequence == 11)
        #expect(cl == .backfill && l.sequence == 1)
        #expect(q2.next() == nil)
    }

    @Test func restartRebuildsTheQueueFromAcknowledgements() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...5 { try h.segment("cam", s) }
        try h.gap("cam", 6)
        try h.keeper.scan()
        try h.keeper.markUploaded(camera: "cam", sequence: 2, destination: "centre")
        try h.keeper.markUploaded(camera: "cam", sequence: 4, destination: "centre")
        try h.keeper.markGapUploaded(camera: "cam", sequence: 6, destination: "centre")
        // A partial acknowledgement (crash mid-write) does not count.
        try Fixtures.write([], to: "\(h.layout.directory(camera: "cam"))/\(UplinkHarness.stem(5)).ack-centre.partial")
        let centre = try h.queue(liveDepth: 0)
        #expect(Set(drain(centre).map(\.0)) == [1, 3, 5])
        let escrow = UploadQueue(layout: h.layout, holds: h.holds, destination: "escrow", liveDepth: 0)
        try escrow.refresh()
        #expect(escrow.pendingCount == 6)
    }

    @Test func evictedSegmentsAndUnfinishedFilesAreSkipped() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        try h.segment("cam", 2)
        let dir = h.layout.directory(camera: "cam")
        try FileSystem.remove("\(dir)/\(UplinkHarness.stem(1)).mkv.age")  // evicted unsent
        try FileSystem.remove("\(dir)/\(UplinkHarness.stem(2)).json.minisig")  // not yet signed
        try Fixtures.write([1], to: "\(dir)/\(UplinkHarness.stem(3)).mkv.age.partial")
        #expect(try h.queue().pendingCount == 0)
    }
}

extension Array {
    func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}
