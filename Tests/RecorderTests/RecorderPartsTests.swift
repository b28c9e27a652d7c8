import EdgeCore
import EdgeJSON
import EdgeSystem
@testable import Recorder
@testable import Segmenter
import Testing
import TestSupport

/// The config history keeps the newest versions, numbered for good, and ignores debris.
@Suite struct ConfigHistoryTests {
    @Test func keepsTheNewestAndNumbersOnward() throws {
        let dir = try Fixtures.scratchDirectory("history")
        let history = ConfigHistory(stateDirectory: dir, keep: 3)
        let time = ManualTime()
        for n in 1...5 {
            try history.save(Array("{\"n\": \(n)}".utf8), at: time.wallNow())
            time.advance(by: .seconds(1))
        }
        let versions = history.versions()
        #expect(versions.map(\.number) == [3, 4, 5])
        #expect(try history.read(versions[2]) == Array("{\"n\": 5}".utf8))
        // A power cut during a save leaves a .partial: not a version, and no obstacle.
        try FileSystem.writeAtomically([1], to: dir + "/config-history/000006-20261129T000000Z.json.partial")
        #expect(history.versions().map(\.number) == [3, 4, 5])
        #expect(try history.save([2], at: time.wallNow()).number == 6)
    }
}

/// Events reach every listener; a listener that falls behind is told and dropped, and
/// publishing never waits for it.
@Suite struct EventHubTests {
    @Test func linesCarryTimeNameAndFields() async throws {
        let hub = EventHub(time: ManualTime(), maxClients: 2, backlog: 10)
        let stream = try #require(hub.subscribe())
        hub.publish(DaemonEvent(.segmentSealed, [("camera", .string("gate")), ("sequence", .number("7"))]))
        let line = try #require(await stream.next())
        let event = try JSONParser.parse(Array(line.dropLast()))
        #expect(event["event"] == .string("segment.sealed"))
        #expect(event["camera"] == .string("gate"))
        #expect(event["at"].map { if case .string(let s) = $0 { s.hasSuffix("Z") && s.count == 24 } else { false } } == true)
    }

    @Test func aSlowListenerIsToldAndDropped() async throws {
        let hub = EventHub(time: ManualTime(), maxClients: 4, backlog: 2)
        let slow = try #require(hub.subscribe())
        for n in 1...3 { hub.publish(DaemonEvent(.clockStepped, [("n", .number(String(n)))])) }
        #expect(hub.clientCount == 0)
        var lines: [String] = []
        while let line = await slow.next() { lines.append(String(decoding: line, as: UTF8.self)) }
        #expect(lines.count == 3)
        #expect(lines.last?.contains("stream.overflow") == true)
    }

    @Test func listenersAreBoundedAndLeaveWhenTheyGo() throws {
        let hub = EventHub(time: ManualTime(), maxClients: 2)
        let a = try #require(hub.subscribe())
        _ = try #require(hub.subscribe())
        #expect(hub.subscribe() == nil)
        a.cancel()
        #expect(hub.clientCount == 1)
        #expect(hub.subscribe() != nil)
    }
}

@Suite struct CompletionTests {
    @Test func waitsUntilCompleteOrTimeout() async {
        let done = Completion()
        #expect(await done.wait(within: .milliseconds(20)) == false)
        async let waiter = done.wait(within: .seconds(10))
        done.complete()
        #expect(await waiter == true)
        #expect(await done.wait(within: .zero) == true)
    }
}

/// Counters kept elsewhere come into Prometheus as they grow, and a keeper that started
/// again (a camera restarted by a config change) does not make them go backwards.
@Suite struct RecorderMetricsTests {
    func value(_ text: String, _ series: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.split(separator: " ").last!) }
    }

    @Test func advancingCountersNeverGoBack() {
        let metrics = RecorderMetrics()
        metrics.advance("edge_frames_total", [("camera", "gate")], to: 100)
        metrics.advance("edge_frames_total", [("camera", "gate")], to: 150)
        #expect(value(metrics.text, #"edge_frames_total{camera="gate"}"#) == "150")
        metrics.advance("edge_frames_total", [("camera", "gate")], to: 20)
        #expect(value(metrics.text, #"edge_frames_total{camera="gate"}"#) == "170")
    }

    @Test func eventsBumpTheirCounters() {
        let metrics = RecorderMetrics()
        metrics.observe(DaemonEvent(.segmentSealed, [("camera", .string("gate")), ("plaintextBytes", .number("900")), ("ciphertextBytes", .number("1000"))]))
        metrics.observe(DaemonEvent(.segmentSealed, [("camera", .string("gate")), ("plaintextBytes", .number("400")), ("ciphertextBytes", .number("500"))]))
        metrics.observe(DaemonEvent(.segmentEvicted, [("camera", .string("gate")), ("uploaded", .bool(false))]))
        metrics.observe(DaemonEvent(.uploadFailed, [("destination", .string("centre")), ("why", .string("x"))]))
        let text = metrics.text
        #expect(value(text, #"edge_segments_sealed_total{camera="gate"}"#) == "2")
        #expect(value(text, #"edge_segment_bytes_total{camera="gate"}"#) == "1500")
        #expect(value(text, #"edge_segments_evicted_unsent_total{camera="gate"}"#) == "1")
        #expect(value(text, #"edge_upload_errors_total{destination="centre",kind="failed"}"#) == "1")
    }

    @Test func sealedBytesAreTheSealedFilesSize() throws {
        // Through the event the daemon really publishes: the counter is the file's size
        // on disk, not the Matroska bytes before sealing.
        let dir = try Fixtures.scratchDirectory("metrics")
        let path = dir + "/00000007-20261206T120000Z.mkv.age"
        try FileSystem.writeAtomically([UInt8](repeating: 7, count: 1234), to: path)
        let format = StreamFormat(codec: .h264, size: FrameSize(width: 1920, height: 1080), frameRate: FrameRate(frames: 25), detail: "")
        let summary = SegmentSummary(
            camera: "gate", sequence: 7, frames: 250, firstFrame: 0, lastFrame: 249, startWall: WallTime(nanosecondsSinceEpoch: 0),
            startMonotonic: MonotonicInstant(nanoseconds: 0), duration: .seconds(10), bytes: 1000, reason: .cut, format: format)
        let metrics = RecorderMetrics()
        metrics.observe(try #require(DaemonEvent(SegmenterEvent.closed(summary, path: path), camera: "gate")))
        #expect(value(metrics.text, #"edge_segment_bytes_total{camera="gate"}"#) == "1234")
    }

    @Test func frameLatencyIsAHistogramPerCamera() {
        let metrics = RecorderMetrics()
        let record = metrics.recordLatency(camera: "gate")
        record(.milliseconds(4))
        record(.milliseconds(4))
        record(.milliseconds(120))
        record(.seconds(9))  // beyond the last bucket: counted in +Inf only
        let text = metrics.text
        #expect(value(text, #"edge_frame_record_seconds_bucket{camera="gate",le="0.003"}"#) == "0")
        #expect(value(text, #"edge_frame_record_seconds_bucket{camera="gate",le="0.005"}"#) == "2")
        #expect(value(text, #"edge_frame_record_seconds_bucket{camera="gate",le="0.15"}"#) == "3")
        #expect(value(text, #"edge_frame_record_seconds_bucket{camera="gate",le="5.0"}"#) == "3")
        #expect(value(text, #"edge_frame_record_seconds_bucket{camera="gate",le="+Inf"}"#) == "4")
        #expect(value(text, #"edge_frame_record_seconds_count{camera="gate"}"#) == "4")
    }
}

@Suite struct UplinkTrackerTests {
    @Test func stemsGiveTheSegmentsStartTime() {
        #expect(WallTime(stem: "00000042-20261129T143301Z")?.rfc3339 == "2026-11-29T14:33:01.000000000Z")
        #expect(WallTime(stem: "00000042-gap") == nil)
        #expect(WallTime(stem: "garbage") == nil)
    }

    @Test func rateAndLastErrorComeFromEvents() {
        let time = ManualTime()
        let tracker = UplinkTracker(time: time)
        tracker.observe(DaemonEvent(.segmentUploaded, [("destination", .string("centre")), ("bytes", .number("6000000"))]))
        #expect(tracker.rate("centre") == 100_000)
        tracker.observe(DaemonEvent(.uploadFailed, [("destination", .string("centre")), ("why", .string("connect: refused"))]))
        #expect(tracker.destination("centre").lastError == "connect: refused")
        time.advance(by: .seconds(61))
        #expect(tracker.rate("centre") == 0)
    }
}
