import EdgeCore
import EdgeSystem
import Logging
import RecorderConfig
import Segmenter
import ServiceLifecycle

/// The daemon: every configured camera as a `Service` in one `ServiceGroup`. SIGTERM and
/// SIGINT shut the group down gracefully: every open segment is closed cleanly.
public struct RecorderDaemon {
    public let config: RecorderConfiguration
    public let sources: SourceFactory
    public let logger: Logger

    public init(config: RecorderConfiguration, sources: SourceFactory, logger: Logger) {
        self.config = config
        self.sources = sources
        self.logger = logger
    }

    /// Where plaintext segments go until sealing takes over.
    public var segmentRoot: String { config.stateDirectory + "/segments" }

    public func run() async throws {
        let root = segmentRoot
        let services = try config.cameras.map { camera in
            try CameraService(
                camera: camera, defaultSegmentSeconds: config.segmentSeconds, sources: sources,
                store: { try FileSegmentStore(root: root) }, logger: logger)
        }
        logger.info("edge-recorderd starting", metadata: [
            "gateway": "\(config.gateway)", "cameras": "\(services.count)", "state": "\(config.stateDirectory)",
        ])
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("edge-recorderd stopped cleanly")
    }
}
