import CoreMetrics
import Prometheus
import Synchronization

/// The daemon's metrics through swift-metrics, rendered as Prometheus text by
/// swift-prometheus (`GET /metrics`). Counters of things that happen are bumped from the
/// daemon's events as they happen; counters the pipeline keeps itself (frames, drops,
/// watchdog kicks) and gauges (ring usage, backlog) are brought up to date at each scrape.
package final class RecorderMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// The totals last seen for counters kept elsewhere, by name and labels.
    private let seen = Mutex<[String: Int64]>([:])
    /// The camera ids shown so far.
    private let shownCameras = Mutex<Set<String>>([])

    /// The buckets of `edge_frame_record_seconds`, from a millisecond to 5 s: fine enough
    /// for a p50 and a p99 (`Tools/bench-daemon` reads them) and to see a slow fsync.
    package static let latencyBuckets: [Duration] = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000, 2000, 5000]
        .map { .milliseconds($0) }

    package init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["edge_frame_record_seconds"] = Self.latencyBuckets
        self.factory = factory
    }

    /// What records one camera's frame latency, from capture until the frame is in its
    /// segment: a histogram (`edge_frame_record_seconds`), one series per camera.
    package func recordLatency(camera: String) -> @Sendable (Duration) -> Void {
        let timer = CoreMetrics.Timer(label: "edge_frame_record_seconds", dimensions: [("camera", camera)], factory: factory)
        return { timer.recordNanoseconds($0.nanoseconds) }
    }

    package func observe(_ event: DaemonEvent) {
        let camera = event.string("camera").map { [("camera", $0)] } ?? []
        let destination = event.string("destination").map { [("destination", $0)] } ?? []
        switch event.kind {
        case .segmentSealed:
            count("edge_segments_sealed_total", camera)
            // The sealed file's size: what the segment takes on disk and on the uplink.
            count("edge_segment_bytes_total", camera, by: event.integer("ciphertextBytes") ?? 0)
        case .segmentUploaded:
            count("edge_segments_uploaded_total", destination)
            count("edge_uploaded_bytes_total", destination, by: event.integer("bytes") ?? 0)
        case .uploadFailed, .uploadRefused, .uploadConflict:
            count("edge_upload_errors_total", destination + [("kind", String(event.name.dropFirst("upload.".count)))])
        case .segmentEvicted:
            let sent = event.fields.contains { $0.0 == "uploaded" && $0.1 == .bool(true) }
            count(sent ? "edge_segments_evicted_total" : "edge_segments_evicted_unsent_total", camera)
        case .cameraLost: count("edge_camera_lost_total", camera)
        case .ringFault: count("edge_ring_faults_total")
        case .clockStepped: count("edge_clock_steps_total")
        case .watchdogStuck: count("edge_watchdog_stuck_total")
        case .configApplied: count("edge_config_applied_total")
        case .configRolledBack: count("edge_config_rolled_back_total")
        default: break
        }
    }

    package func count(_ name: String, _ labels: [(String, String)] = [], by amount: Int64 = 1) {
        Counter(label: name, dimensions: labels, factory: factory).increment(by: amount)
    }

    /// Brings a counter kept elsewhere up to `total`. A total below the last one means its
    /// keeper started again (a camera restarted by a config change): all of it is new.
    package func advance(_ name: String, _ labels: [(String, String)] = [], to total: Int64) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let delta = seen.withLock { s -> Int64 in
            let last = s[key] ?? 0
            s[key] = total
            return total >= last ? total - last : total
        }
        // Created even at zero, so the series is there from the first scrape.
        Counter(label: name, dimensions: labels, factory: factory).increment(by: delta)
    }

    package func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    /// Records the cameras there are now; returns those shown before and gone since.
    package func forget(cameras: [String]) -> [String] {
        shownCameras.withLock { shown in
            let gone = shown.subtracting(cameras)
            shown = Set(cameras)
            return gone.sorted()
        }
    }

    package var text: String { registry.emitToString() }
}
