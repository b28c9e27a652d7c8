import Dispatch
import EdgeSystem
import SegmentRing
import TestSupport
import Testing
@testable import Uplink

/// A clean stop delivers what the cameras sealed last: the drain ends only after a listing
/// of the ring that began after the drain did, and only once that listing's items are sent.
@Suite struct DrainTests {
    @Test func segmentSealedDuringAnUploadIsDeliveredBeforeTheStop() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        try h.keeper.scan()
        let inFlight = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        h.transport.before = { r in
            guard r.method == "PUT", r.url.hasSuffix("/v1/segments/cam/1") else { return }
            // Sealed while segment 1 is on its way, as a camera does at the stop.
            try! h.segment("cam", 2)
            try! h.keeper.scan()
            inFlight.signal()
            release.wait()
        }
        // The scripted transport reads none of them; the destination only needs them to exist.
        for name in ["ca.pem", "c.pem", "k.pem"] { try Fixtures.write([], to: "\(h.state)/\(name)") }
        var destination = h.destination()
        destination.tls = UplinkTLS(caFile: "\(h.state)/ca.pem", certFile: "\(h.state)/c.pem", keyFile: "\(h.state)/k.pem")
        let uplink = try Uplink.start(
            ring: h.layout, acknowledgements: h.keeper, holds: h.holds, destinations: [destination], time: SystemTime(),
            clockSynced: { false }, transport: { [transport = h.transport] _ in transport }, events: { _ in })
        defer { uplink.stop() }
        #expect(inFlight.wait(timeout: .now() + 30) == .success)
        // Released once the drain below is waiting: it must not settle on the listing it
        // took before segment 2 was sealed.
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) { release.signal() }
        let left = uplink.drain(time: SystemTime())
        #expect(left == 0)
        #expect(h.acked("cam", 1) && h.acked("cam", 2))
    }

    @Test func anExpiredBackOffIsNotABackOff() throws {
        let h = try UplinkHarness()
        try h.segment("cam", 1)
        let u = try h.uploader()
        h.transport.script = [.fail(ScriptedTransport.cut, sent: 0)]
        _ = u.step(h.transport)
        let until = try #require(u.backingOffUntil)
        h.time.advance(by: until - h.time.monotonicNow() + .seconds(1))
        #expect(u.backingOffUntil == nil)
        #expect(u.step(h.transport) == .delivered(UploadItem(camera: "cam", sequence: 1, kind: .segment, stem: UplinkHarness.stem(1))))
    }
}
