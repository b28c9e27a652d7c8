import RecorderConfig
import ServiceLifecycle
import Synchronization

/// The cameras the daemon runs now and the config they run with. A config change swaps
/// cameras one by one; readers (status, health board, metrics) take a snapshot.
final class CameraRoster: Sendable {
    private let state: Mutex<(config: RecorderConfiguration, services: [CameraService])>

    init(config: RecorderConfiguration, services: [CameraService]) {
        state = Mutex((config, services))
    }

    var services: [CameraService] { state.withLock { $0.services } }
    var config: RecorderConfiguration { state.withLock { $0.config } }

    func service(_ id: String) -> CameraService? { services.first { $0.camera.id == id } }

    /// Installs a new set of cameras and the config they come from.
    func replace(config: RecorderConfiguration, services: [CameraService]) {
        state.withLock { $0 = (config, services) }
    }
}

/// Runs every camera, and cameras added later, as child tasks: one camera can stop and
/// another start without touching the rest. A camera that fails ends the daemon (as a
/// failed service in a group would): systemd restarts it.
final class CameraSupervisor: Service, Sendable {
    private let initial: [CameraService]
    private let launches: AsyncStream<CameraService>
    private let launcher: AsyncStream<CameraService>.Continuation
    private let running = Mutex<[ObjectIdentifier: CameraService]>([:])

    init(cameras: [CameraService]) {
        initial = cameras
        (launches, launcher) = AsyncStream.makeStream()
    }

    /// Starts a camera (once every camera it replaces has finished).
    func launch(_ camera: CameraService) { launcher.yield(camera) }

    func run() async throws {
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
