import Custody
import EdgeJSON
import EdgeSystem
import Testing
import TestSupport

@Suite struct ManifestChainTests {
    @Test func sequencesNeverRepeatAcrossARestart() throws {
        let gw = try GatewayFixture()
        let first = try gw.segment()
        let reserved = try gw.chain.reserveSequence(camera: "cam1")  // crash before sealing
        try gw.restart()
        #expect(gw.chain.unsealedReservations(camera: "cam1") == [reserved])
        let next = try gw.chain.reserveSequence(camera: "cam1")
        #expect([first.sequence, reserved, next] == [1, 2, 3])
        // The other camera has its own sequence space.
        #expect(try gw.chain.reserveSequence(camera: "cam2") == 1)
        #expect(try gw.chain.lastSealed(camera: "cam1") == first)
    }

    @Test func aHoleIsFilledLateAndTheChainStaysIntact() throws {
        let gw = try GatewayFixture()
        try gw.segment()
        let holeAt = gw.now
        let hole = try gw.chain.reserveSequence(camera: "cam1")
        try gw.segment()  // sealing 3 while 2 is unsealed is allowed
        try gw.restart()
        #expect(gw.chain.unsealedReservations(camera: "cam1") == [hole])
        let crash = GapFacts(camera: "cam1", cause: .crash, start: holeAt, end: holeAt, detail: "no segment file survived")
        try gw.store(try gw.chain.recordGap(crash, sequence: hole), camera: "cam1")
        #expect(gw.chain.unsealedReservations(camera: "cam1").isEmpty)
        let report = try gw.verify()
        #expect(report.isIntact, "\(report.text)")
        #expect(report.findings(.sealedLate).map(\.sequence) == [hole])
    }

    @Test func sealingTwiceOrWithoutReservationIsRefused() throws {
        let gw = try GatewayFixture()
        let sealed = try gw.segment()
        let facts = try gw.segmentFacts(camera: "cam1", sequence: sealed.sequence)
        #expect(throws: CustodyError.self) { try gw.chain.seal(facts, sequence: sealed.sequence) }
        #expect(throws: CustodyError.self) { try gw.chain.seal(facts, sequence: 99) }
        #expect(throws: CustodyError.self) { try gw.chain.reserveSequence(camera: "../etc") }
    }

    @Test func manifestsHaveTheDocumentedCanonicalForm() throws {
        let gw = try GatewayFixture()
        let first = try gw.segment()
        let second = try gw.gap(cause: .diskFull)
        #expect(first.json == CanonicalJSON.encode(try JSONParser.parse(first.json)))
        let one = try JSONParser.parse(first.json)
        #expect(one["previous"] == .null)
        #expect(one["kind"] == .string("segment"))
        #expect(one["durationNs"] == .number("10000000000"))
        #expect(one["start"]?["wall"] == .string("2026-11-18T11:06:40.000000000Z"))
        #expect(one["ciphertext"]?["sha256"] != nil)
        let two = try JSONParser.parse(second.json)
        #expect(two["previous"] == .string(hex(first.sha256)))
        #expect(two["cause"] == .string("disk-full"))
        #expect(two["file"] == nil && two["clockStep"] == nil)
        #expect(first.sha256 == sha256(first.json))
        #expect(first.signature.contains("trusted comment: edge-recorder manifest gateway=gw-0042 camera=cam1 sequence=1 sha256=\(hex(first.sha256))"))
        let parsed = try ManifestParser.parse(second.json)
        #expect(parsed.sequence == 2 && parsed.previous == first.sha256 && parsed.canonicalJSON == second.json)
    }

    @Test func aClockStepIsRecordedAndOrderIsUnchanged() throws {
        let gw = try GatewayFixture()
        gw.synced = false
        gw.wall = 1_000_000_000  // 1970: no RTC, no NTP yet
        try gw.segment()
        gw.wall += 1_795_000_000_000_000_000  // NTP steps the clock forward
        gw.synced = true
        let stepped = try gw.segment()
        let after = try gw.segment()
        let step = try ManifestParser.parse(stepped.json).clockStep
        #expect(step == 1_795_000_000_000_000_000)
        #expect(try ManifestParser.parse(after.json).clockStep == nil)
        // Half a second of drift is not a step.
        gw.wall += 500_000_000
        #expect(try ManifestParser.parse(try gw.segment().json).clockStep == nil)
        gw.wall -= 3_000_000_000
        #expect(try ManifestParser.parse(try gw.segment().json).clockStep == -3_000_000_000)
        let report = try gw.verify()
        #expect(report.isIntact)
        #expect(report.findings(.clockStep).map(\.sequence) == [2, 5])
    }

    @Test func minisignVerifiesEveryManifest() throws {
        let gw = try GatewayFixture()
        var manifests = [try gw.segment(), try gw.gap(), try gw.segment(truncated: true)]
        manifests.append(try gw.segment(camera: "cam2"))
        for (index, manifest) in manifests.enumerated() {
            let path = gw.path(manifest, camera: index == 3 ? "cam2" : "cam1")
            let result = try Tool.run("minisign", ["-V", "-q", "-m", path, "-P", gw.key.publicKey.base64])
            #expect(result.status == 0, "\(path): \(result.stderr)")
        }
    }

    @Test func wallTimesRoundTripAndBadOnesAreRefused() {
        for nanos: Int64 in [0, 1, 1_795_000_000_123_456_789, 951_782_400_000_000_000, -1, 7_258_118_399_999_999_999] {
            let time = WallTime(nanosecondsSinceEpoch: nanos)
            #expect(WallTime(rfc3339: time.rfc3339) == time, "\(time.rfc3339)")
        }
        #expect(WallTime(nanosecondsSinceEpoch: 951_782_400_000_000_000).rfc3339 == "2000-02-29T00:00:00.000000000Z")
        for bad in ["2026-02-30T00:00:00.000000000Z", "2026-11-29T14:33:01Z", "2026-11-29T24:00:00.000000000Z", "2026-11-29 14:33:01.000000000Z"] {
            #expect(WallTime(rfc3339: bad) == nil, "\(bad)")
        }
    }
}
