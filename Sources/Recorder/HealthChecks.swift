
import EdgeCore
import EdgeSystem
import SegmentRing
import Synchronization
import Uplink
import Watchdog

/// The daemon's stages on the health board. Each check names what is stuck; a camera
/// known to be unplugged or reopening is idle, not stuck.
package enum HealthChecks {
    package static func install(on board: HealthBoard, roster: CameraRoster, stuck: Duration, ring: RingHealth) {
        // One stage for all cameras: the set changes when a config is applied.
        board.add("cameras") { now in
            let problems = roster.services.compactMap { camera in
                check(camera, at: now, stuck: stuck, startedAt: ring.startedAt).map { "\(camera.camera.id): \($0)" }
            }
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        }
        board.add("ring") { now in
            guard let (since, why) = ring.fault else { return nil }
            // A segment sealed since the fault: the ring is writable again.
            if roster.services.contains(where: { ($0.progress.lastSealed ?? since) > since }) {
                ring.recovered()
                return nil
            }
            guard now - since > stuck * 3 else { return nil }
            return "not writable for \(Int((now - since).seconds)) s: \(why)"
        }
    }
}

extension HealthChecks {
    /// What is stuck in one camera, if anything.
    package static func check(_ camera: CameraService, at now: MonotonicInstant, stuck: Duration, startedAt: MonotonicInstant) -> String? {
        let status = camera.buffer.status
        // Capture: frames keep coming while the source says it streams.
        if status.state == .streaming, let last = status.lastFrameAt, now - last > stuck {
            return "no frame for \(Int((now - last).seconds)) s while streaming (capture loop stuck?)"
        }
        // Recording: frames waiting, none taken.
        if camera.buffer.queuedFrames > 0, let handled = camera.progress.lastHandled, now - handled > stuck {
            return "\(camera.buffer.queuedFrames) frames waiting, none recorded for \(Int((now - handled).seconds)) s (disk or sealer stuck?)"
        }
        // Sealing: a streaming camera closes a segment every segment length, counted from
        // the last seal or from when the camera (re)started streaming.
        let sealLimit = camera.segmentLength * 2 + stuck
        let sealed = max(camera.progress.lastSealed ?? startedAt, camera.progress.streamingSince ?? startedAt)
        if status.state == .streaming, let handled = camera.progress.lastHandled, now - handled < stuck, now - sealed > sealLimit {
            return "no segment sealed for \(Int((now - sealed).seconds)) s"
        }
        return nil
    }
}

extension HealthChecks {
    /// The uplink: each destination with segments to send either moves bytes, is backing
    /// off after an error (offline is legitimate), or waits for its time window. A
    /// destination that does none of these for longer than a transfer may take to fail
    /// on its own (connect + stall timeouts) is stuck.
    package static func install(
        on board: HealthBoard, uplink: Uplink, destinations: [UplinkDestination], tracker: UplinkTracker, stuck: Duration,
        time: any TimeSource
    ) {
        board.add("uplink") { now in
            let problems = uplink.status().compactMap { d -> String? in
                guard d.pending > d.parked, !d.backingOff, let destination = destinations.first(where: { $0.name == d.destination })
                else { return nil }
                if ClockStatus.isSynchronised(), UploadWindow.waitBeforeOpening(destination.windows, now: time.wallNow()) != nil {
                    return nil
                }
                let limit = Duration.seconds(destination.connectSeconds + destination.stallSeconds) + stuck
                let idle = now - tracker.lastActivity(d.destination)
                return idle > limit ? "\(d.destination): \(d.pending - d.parked) waiting, nothing sent for \(Int(idle.seconds)) s" : nil
            }
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        }
    }
}

/// Storage faults as the ring reports them, cleared by the next sealed segment.
package final class RingHealth: Sendable {
    package let startedAt: MonotonicInstant
    private let state = Mutex<(since: MonotonicInstant, why: String)?>(nil)

    package init(startedAt: MonotonicInstant) { self.startedAt = startedAt }

    package func failed(_ why: String, at now: MonotonicInstant) {
        state.withLock { if $0 == nil { $0 = (now, why) } }
    }

    package func recovered() { state.withLock { $0 = nil } }

    package var fault: (MonotonicInstant, String)? { state.withLock { $0.map { ($0.since, $0.why) } } }
}
