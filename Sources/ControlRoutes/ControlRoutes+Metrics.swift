import Recorder
import ControlSocket
import EdgeSystem
import SegmentRing

/// `GET /metrics`: Prometheus text, brought up to date from what the daemon holds.
extension ControlRoutes {
    func metricsText() -> String {
        let m = metrics
        // A camera removed by a config change no longer streams.
        for id in m.forget(cameras: cameras.map(\.camera.id)) { m.gauge("edge_camera_streaming", [("camera", id)], 0) }
        for service in cameras {
            let camera = [("camera", service.camera.id)]
            let counters = service.buffer.counters
            let status = service.buffer.status
            m.advance("edge_frames_total", camera, to: Int64(counters.delivered))
            m.advance("edge_frames_dropped_total", camera, to: Int64(counters.dropped))
            m.gauge("edge_camera_streaming", camera, status.state == .streaming ? 1 : 0)
            if let last = status.lastFrameAt {
                m.gauge("edge_camera_last_frame_age_seconds", camera, max(0, (time.monotonicNow() - last).seconds))
            }
        }
        let listing = keeper.listing()
        let live = listing.filter { !$0.isGap && !$0.evicted }
        m.gauge("edge_ring_bytes", [], Double(listing.reduce(Int64(0)) { $0 + $1.bytes }))
        m.gauge("edge_ring_segments", [], Double(live.count))
        if let free = freeBytes(at: config.stateDirectory) { m.gauge("edge_ring_free_bytes", [], Double(free)) }
        if let uplink {
            for b in UplinkTracker.backlogs(uplink, listing: listing, now: time.wallNow()) {
                let destination = [("destination", b.destination)]
                m.gauge("edge_uplink_backlog_segments", destination, Double(b.items))
                m.gauge("edge_uplink_backlog_bytes", destination, Double(b.bytes))
                m.gauge("edge_uplink_oldest_unsent_age_seconds", destination, Double(b.oldestSeconds ?? 0))
                m.gauge("edge_uplink_rate_bytes_per_second", destination, Double(tracker.rate(b.destination)))
            }
        }
        if let w = watchdog?.snapshot {
            m.advance("edge_watchdog_kicks_total", [], to: Int64(w.kicks))
            m.gauge("edge_watchdog_healthy", [], w.healthy ? 1 : 0)
        }
        m.gauge("edge_clock_synchronised", [], clockSynced() ? 1 : 0)
        m.gauge("edge_uptime_seconds", [], (time.monotonicNow() - started).seconds)
        return m.text
    }
}

/// What the TCP metrics listener answers: `GET /metrics` and nothing else.
package struct MetricsOnly: ControlResponder {
    let routes: ControlRoutes

    package init(routes: ControlRoutes) { self.routes = routes }

    package func respond(to request: ControlRequest) async -> ControlResponse {
        guard request.path == "/metrics" else { return .error(404, "only GET /metrics is served here") }
        guard request.method == "GET" else {
            var response = ControlResponse.error(405, "\(request.method) is not allowed on /metrics; use GET")
            response.headers = [("Allow", "GET")]
            return response
        }
        return await routes.respond(to: request)
    }
}
