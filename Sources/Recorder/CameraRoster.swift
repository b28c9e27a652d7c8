import EdgeCore
import EdgeSystem
import RecorderConfig
import ServiceLifecycle
import Synchronization

/// The cameras the daemon runs now and the config they run with. A config change swaps
/// cameras one by one; readers (status, health board, metrics) take a snapshot.
package final class CameraRoster: Sendable {
    private let state: Mutex<(config: RecorderConfiguration, services: [CameraService])>

    package init(config: RecorderConfiguration, services: [CameraService]) {
        state = Mutex((config, services))
    }

    package var services: [CameraService] { state.withLock { $0.services } }
    package var config: RecorderConfiguration { state.withLock { $0.config } }

    package func service(_ id: String) -> CameraService? { services.first { $0.camera.id == id } }

    /// Installs a new set of cameras and the config they come from.
    package func replace(config: RecorderConfiguration, services: [CameraService]) {
        state.withLock { $0 = (config, services) }
    }
}

/// Runs every camera, and cameras added later, as child tasks: one camera can stop and
/// another start without touching the rest. At most one instance per camera id runs at a
/// time, whatever the order of changes: a new instance starts only once the one before it
/// (stopped by the change) has sealed its segment and returned, since both would use the
/// same device, ring directory and chain. A camera that fails ends the daemon (as a
/// failed service in a group would): systemd restarts it.
package final class CameraSupervisor: Service, Sendable {
    private let initial: [CameraService]
    private let launches: AsyncStream<CameraService>
    private let launcher: AsyncStream<CameraService>.Continuation
    private let running = Mutex<[ObjectIdentifier: CameraService]>([:])
    private let time: any TimeSource
    /// Per camera id: the newest instance, and since when it waits for the one before.
    private let latest = Mutex<[String: (service: CameraService, waitingSince: MonotonicInstant?)]>([:])

    package init(cameras: [CameraService], time: any TimeSource) {
        initial = cameras
        self.time = time
        (launches, launcher) = AsyncStream.makeStream()
        latest.withLock { all in for camera in cameras { all[camera.camera.id] = (camera, nil) } }
    }

    /// Starts a camera once the previous instance with its id (if any) has finished.
    package func launch(_ camera: CameraService) {
        let id = camera.camera.id
        let now = time.monotonicNow()
        let previous = latest.withLock { all -> CameraService? in
            let previous = all[id]?.service
            let waits = previous.map { !$0.isFinished } ?? false
            all[id] = (camera, waits ? now : nil)
            return waits ? previous : nil
        }
        guard let previous else {
            launcher.yield(camera)
            return
        }
        Task { [self] in
            while await !previous.finished(within: .seconds(3600)) {}
            latest.withLock { all in
                if all[id]?.service === camera { all[id]?.waitingSince = nil }
            }
            launcher.yield(camera)
        }
    }

    /// Cameras whose new instance has waited longer than `limit` for the old one to stop.
    package func stuckRestarts(at now: MonotonicInstant, limit: Duration) -> [(camera: String, seconds: Int)] {
        latest.withLock { all in
            all.compactMap { id, entry in
                guard let since = entry.waitingSince, now - since > limit else { return nil }
                return (id, Int((now - since).seconds))
            }.sorted { $0.camera < $1.camera }
        }
    }

    /// True while `camera` waits for its previous instance to stop.
    package func isWaiting(_ camera: CameraService) -> Bool {
        latest.withLock { $0[camera.camera.id].map { $0.service === camera && $0.waitingSince != nil } ?? false }
    }

    package func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for camera in initial { start(camera, in: &group) }
                for await camera in launches { start(camera, in: &group) }
            }
        } onGracefulShutdown: { [self] in
            launcher.finish()
            for camera in running.withLock({ Array($0.values) }) { camera.stop() }
        }
    }

    private func start(_ camera: CameraService, in group: inout ThrowingDiscardingTaskGroup<any Error>) {
        let key = ObjectIdentifier(camera)
        running.withLock { $0[key] = camera }
        group.addTask { [self] in
            defer { running.withLock { _ = $0.removeValue(forKey: key) } }
            try await camera.run()
        }
    }
}
