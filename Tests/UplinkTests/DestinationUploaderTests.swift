import EdgeSystem
import Foundation
import SegmentRing
import TestSupport
import Testing
@testable import Uplink

@Suite struct DestinationUploaderTests {
    @Test func acknowledgementIsRecordedOnlyAfterThe200() throws {
        let h = try UplinkHarness()
        let bytes = try h.segment("cam", 1)
        let u = try h.uploader()
        var ackedDuringRequest: Bool?
        h.transport.before = { _ in ackedDuringRequest = h.acked("cam", 1) }
        let item = UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))
        #expect(u.step(h.transport) == .delivered(item))
        #expect(ackedDuringRequest == false)
        #expect(h.acked("cam", 1))
        let put = try #require(h.transport.requests.first)
        #expect(put.method == "PUT" && put.url == "https://centre.test:8443/v1/segments/cam/1")
        #expect(put.headers["edge-offset"] == "0")
        let manifest = try FileSystem.readFile("\(h.layout.directory(camera: "cam"))/\(UplinkHarness.stem(1)).json")
        #expect(put.headers["edge-manifest"] == Data(manifest).base64EncodedString())
        #expect(put.headers["edge-signature"] == Data("untrusted comment: sig 1\n".utf8).base64EncodedString())
        #expect(put.body == bytes)
    }

    @Test func noAcknowledgementWithoutA200() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        let u = try h.uploader()
        for status in [500, 503, 429, 409, 400, 403, 308] {
            h.transport.script = [.respond(TransportResponse(status: status))]
            _ = u.step(h.transport)
            h.time.advance(by: .seconds(3600))
        }
        #expect(!h.acked("cam", 1))
    }

    @Test func resumesFromThe308Offset() throws {
        let h = try UplinkHarness()
        let bytes = try h.segment("cam", 1, size: 1000)
        let u = try h.uploader()
        h.transport.script = [.respond(ScriptedTransport.offset(308, 400))]
        #expect(u.step(h.transport) == .delivered(UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))))
        let r = h.transport.requests
        #expect(r.map(\.offset) == [0, 400])
        #expect(r[1].headers["edge-offset"] == "400")
        #expect(r[1].body == Array(bytes[400...]))
        #expect(h.acked("cam", 1))
    }

    @Test func resumesFromThe416Offset() throws {
        let h = try UplinkHarness()
        let bytes = try h.segment("cam", 1, size: 1000)
        let u = try h.uploader()
        h.transport.script = [.respond(ScriptedTransport.offset(416, 700))]
        _ = u.step(h.transport)
        #expect(h.transport.requests.map(\.offset) == [0, 700])
        #expect(h.transport.requests[1].body == Array(bytes[700...]))
        #expect(h.acked("cam", 1))
    }

    @Test func anOffsetOutsideTheSegmentIsAFault() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1, size: 1000)
        let u = try h.uploader()
        h.transport.script = [.respond(ScriptedTransport.offset(416, 5000))]
        #expect(u.step(h.transport) == .failed(UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))))
        #expect(!h.acked("cam", 1))
    }

    @Test func aCutMidBodyAsksTheCentreFirstNextTime() throws {
        let h = try UplinkHarness()
        let bytes = try h.segment("cam", 1, size: 1000)
        let u = try h.uploader()
        h.transport.script = [.fail(ScriptedTransport.cut, sent: 300)]
        #expect(u.step(h.transport) == .failed(UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))))
        guard case .wait(let until) = u.step(h.transport) else { Issue.record("expected a back-off"); return }
        #expect(until - h.time.monotonicNow() == .seconds(1))  // 1 s × (0.5 + 0.5 × 0.5), at least 1 s
        h.time.advance(by: .seconds(1))
        h.transport.script = [.respond(TransportResponse(status: 200, headers: ["edge-offset": "300"]))]
        _ = u.step(h.transport)
        #expect(h.transport.requests.map(\.method) == ["PUT", "HEAD", "PUT"])
        #expect(h.transport.requests[2].offset == 300)
        #expect(h.transport.requests[2].body == Array(bytes[300...]))
        #expect(h.acked("cam", 1))
    }

    @Test func aCutThatMovedDataStartsTheBackoffAgain() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1, size: 1 << 20)
        let u = try h.uploader()
        h.random = 1
        // Four failed connects: the back-off has grown to 8 s.
        for _ in 0..<4 {
            h.transport.script = [.fail(UplinkError(.network, "refused", curlCode: 7), sent: 0)]
            _ = u.step(h.transport)
            guard case .wait(let until) = u.step(h.transport) else { Issue.record("expected a back-off"); return }
            h.time.advance(by: until - h.time.monotonicNow())
        }
        // A cut after 100 KiB: progress, so the next try comes after 1 s, not 16 s.
        h.transport.script = [.fail(ScriptedTransport.cut, sent: 100 << 10)]
        _ = u.step(h.transport)
        guard case .wait(let until) = u.step(h.transport) else { Issue.record("expected a back-off"); return }
        #expect(until - h.time.monotonicNow() == .seconds(1))
        // A cut after 1 KiB is no progress worth the name: the back-off grows again.
        h.time.advance(by: .seconds(1))
        h.transport.script = [.respond(TransportResponse(status: 200, headers: ["edge-offset": "102400"])),
                              .fail(ScriptedTransport.cut, sent: 1024)]
        _ = u.step(h.transport)
        guard case .wait(let again) = u.step(h.transport) else { Issue.record("expected a back-off"); return }
        #expect(again - h.time.monotonicNow() == .seconds(2))
    }

    @Test func aFailedConnectDoesNotNeedAHead() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        let u = try h.uploader()
        h.transport.script = [.fail(UplinkError(.network, "refused", curlCode: 7), sent: 0)]
        _ = u.step(h.transport)
        h.time.advance(by: .seconds(10))
        _ = u.step(h.transport)
        #expect(h.transport.requests.map(\.method) == ["PUT", "PUT"])
    }

    @Test func conflictStopsRetryingThatSegmentAndIsReported() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        try h.segment("cam", 2)
        let u = try h.uploader(h.destination(liveDepth: 0))
        h.transport.script = [.respond(TransportResponse(status: 409, body: Array(#"{"error":"sequence 1 stored with another hash"}"#.utf8)))]
        let first = UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))
        #expect(u.step(h.transport) == .parked(first))
        #expect(u.step(h.transport) == .delivered(UploadItem(camera: "cam", sequence: 2, kind: .segment, stem: UplinkHarness.stem(2))))
        for _ in 0..<5 {
            h.time.advance(by: .seconds(600))
            _ = u.step(h.transport)
        }
        #expect(h.transport.requests.filter { $0.url.hasSuffix("/cam/1") }.count == 1)
        #expect(!h.acked("cam", 1))
        #expect(h.events.all.contains { if case .conflict(_, first, "sequence 1 stored with another hash") = $0 { true } else { false } })
        #expect(u.queue.parked.count == 1)
    }

    @Test func refusalIsReportedNotHammered() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        try h.segment("cam", 2)
        let u = try h.uploader(h.destination(liveDepth: 0))
        h.transport.script = [.respond(TransportResponse(status: 403, body: Array(#"{"error":"manifest names another gateway"}"#.utf8)))]
        let first = UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))
        #expect(u.step(h.transport) == .failed(first))
        // The next try waits out a back-off rather than following at once.
        guard case .wait(let until) = u.step(h.transport) else { Issue.record("expected a back-off after a refusal"); return }
        #expect(h.transport.requests.count == 1)
        #expect(h.events.all.contains { if case .rejected(_, _, 403, "manifest names another gateway") = $0 { true } else { false } })
        // Not parked: once the centre's IT registers the key, the box catches up by itself.
        #expect(u.queue.parked.isEmpty)
        h.time.advance(by: until - h.time.monotonicNow())
        #expect(u.step(h.transport) == .delivered(first))
    }

    @Test func retryAfterIsHonoured() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        let u = try h.uploader()
        h.random = 1
        h.transport.script = [.respond(TransportResponse(status: 503, headers: ["retry-after": "120"]))]
        _ = u.step(h.transport)
        guard case .wait(let until) = u.step(h.transport) else { Issue.record("expected a wait"); return }
        let delay = until - h.time.monotonicNow()
        #expect(delay >= .seconds(120) && delay <= .seconds(132))
        h.time.advance(by: delay)
        #expect(u.step(h.transport) == .delivered(UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))))
    }

    @Test func gapManifestsAreUploadedAndAcknowledged() throws {
        let h = try UplinkHarness()
        try h.gap("cam", 43)
        let u = try h.uploader()
        #expect(u.step(h.transport) == .delivered(UploadItem(camera: "cam", sequence: 43, kind: .gap, stem: "00000043-gap")))
        let put = try #require(h.transport.requests.first)
        #expect(put.url == "https://centre.test:8443/v1/gaps/cam/43")
        #expect(put.body == Array("{\"cause\":\"crash\",\"sequence\":43}".utf8))
        #expect(put.headers["edge-signature"] != nil && put.headers["edge-manifest"] == nil)
        #expect(FileSystem.exists("\(h.layout.directory(camera: "cam"))/00000043-gap.ack-centre"))
    }

    @Test func aChangedCheckpointGoesFirstAndOnlyOnce() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        try FileSystem.makeDirectories(h.layout.checkpoints)
        let body = Array("{\"kind\":\"checkpoint\",\"sequence\":1}".utf8)
        try Fixtures.write(body, to: "\(h.layout.checkpoints)/cam.json")
        try Fixtures.write(Array("untrusted comment: cp\n".utf8), to: "\(h.layout.checkpoints)/cam.json.minisig")
        let u = try h.uploader()
        let checkpoint = UploadItem(camera: "cam", sequence: 0, kind: .checkpoint, stem: "cam")
        #expect(u.step(h.transport) == .delivered(checkpoint))
        let put = try #require(h.transport.requests.first)
        #expect(put.method == "PUT" && put.url == "https://centre.test:8443/v1/checkpoints/cam")
        #expect(put.body == body)
        #expect(put.headers["edge-signature"] == Data("untrusted comment: cp\n".utf8).base64EncodedString())
        // Taken: the segment is next, and later scans do not send the same head again.
        #expect(u.step(h.transport) == .delivered(UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))))
        h.time.advance(by: .seconds(3))
        _ = u.step(h.transport)
        #expect(h.transport.requests.filter { $0.url.hasSuffix("/v1/checkpoints/cam") }.count == 1)
        // A new head is sent; a failure leaves it due, to go after the back-off.
        try Fixtures.write(Array("{\"kind\":\"checkpoint\",\"sequence\":2}".utf8), to: "\(h.layout.checkpoints)/cam.json")
        h.time.advance(by: .seconds(3))
        h.transport.script = [.respond(TransportResponse(status: 503))]
        #expect(u.step(h.transport) == .failed(checkpoint))
        h.time.advance(by: .seconds(3600))
        #expect(u.step(h.transport) == .delivered(checkpoint))
        #expect(h.transport.requests.filter { $0.url.hasSuffix("/v1/checkpoints/cam") }.count == 3)
    }

    @Test func everyCamerasChangedCheckpointGoesAtOneListing() throws {
        let h = try UplinkHarness()
        try FileSystem.makeDirectories(h.layout.checkpoints)
        let cameras = (1...8).map { "cam\($0)" }
        for camera in cameras {
            try Fixtures.write(Array("{\"kind\":\"checkpoint\",\"sequence\":1}".utf8), to: "\(h.layout.checkpoints)/\(camera).json")
            try Fixtures.write(Array("untrusted comment: cp\n".utf8), to: "\(h.layout.checkpoints)/\(camera).json.minisig")
        }
        let u = try h.uploader()
        // One listing, no time passing: each step sends the next camera's head.
        for camera in cameras {
            #expect(u.step(h.transport) == .delivered(UploadItem(camera: camera, sequence: 0, kind: .checkpoint, stem: camera)))
            #expect(u.checkpointsDue)
        }
        guard case .wait = u.step(h.transport) else { Issue.record("expected nothing more to send"); return }
        #expect(!u.checkpointsDue)
        #expect(h.transport.requests.filter { $0.url.contains("/v1/checkpoints/") }.count == 8)
    }

    @Test func closedWindowSendsNothingUntilItOpens() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        // The manual clock's wall time is 2025-11-29 07:06:40 UTC; window 08:00–09:00.
        let window = UploadWindow(startMinute: 8 * 60, endMinute: 9 * 60)
        let u = try h.uploader(h.destination(windows: [window]))
        guard case .wait = u.step(h.transport) else { Issue.record("expected a wait"); return }
        #expect(h.transport.requests.isEmpty)
        h.time.advance(by: .seconds(54 * 60))
        _ = u.step(h.transport)
        #expect(h.acked("cam", 1))
        // With the clock unsynchronised, windows are ignored.
        let h2 = try UplinkHarness()
        try h2.segment("cam", 1)
        _ = try h2.uploader(h2.destination(windows: [window]), clockSynced: false).step(h2.transport)
        #expect(h2.acked("cam", 1))
    }

    @Test func stopEndsTheLoop() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        let u = try h.uploader()
        h.stop.signal()
        #expect(u.step(h.transport) == .stopped)
        #expect(h.transport.requests.isEmpty)
    }

    @Test func aStoppedTransferIsNotAFailure() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        let u = try h.uploader()
        h.transport.script = [.fail(UplinkError(.stopped, "stopped"), sent: 10)]
        #expect(u.step(h.transport) == .stopped)
        #expect(h.events.all.isEmpty)
    }

    @Test func oneFailingDestinationHoldsBackNoOther() throws {
        let h = try UplinkHarness()
        for s in UInt64(1)...3 { try h.segment("cam", s) }
        let good = try h.uploader(h.destination("centre"))
        let bad = try h.uploader(h.destination("escrow"))
        let down = ScriptedTransport()
        down.script = Array(repeating: .fail(UplinkError(.network, "no route to host", curlCode: 7), sent: 0), count: 10)
        for _ in 0..<3 {
            _ = bad.step(down)
            _ = good.step(h.transport)
        }
        #expect((1...3).allSatisfy { h.acked("cam", UInt64($0), destination: "centre") })
        #expect(!(1...3).contains { h.acked("cam", UInt64($0), destination: "escrow") })
        #expect(bad.backingOffUntil != nil && good.backingOffUntil == nil)
        #expect(bad.queue.pendingCount == 3 && good.queue.pendingCount == 0)
    }
}
