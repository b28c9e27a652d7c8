import ArgumentParser
import EdgeCore
import EdgeSystem
import Logging
import Daemon
import Recorder
import RecorderConfig
import Updater

@main
struct EdgeRecorderd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-recorderd",
        abstract: "Records cameras into Matroska segments.",
        discussion: """
            Runs every camera in the config until SIGTERM or SIGINT, which close each open \
            segment cleanly; SIGHUP is ignored (restart to apply a new config). An invalid \
            config exits with status 78 (EX_CONFIG) and touches nothing.
            """,
        version: Firmware.version)

    @Option(name: .long, help: ArgumentHelp("The config file.", valueName: "FILE"))
    var config: String = RecorderConfiguration.defaultPath

    @Flag(name: .long, help: "Validate the config and exit.")
    var check = false

    @Flag(name: .long, help: "Log debug events too.")
    var verbose = false

    @Option(name: .long, help: ArgumentHelp("Where the firmware slots are (Board/README.md, \"Slots\").", valueName: "DIR"))
    var slotsRoot: String = UpdatePaths.defaultRoot

    @Option(name: .long, help: ArgumentHelp("How long a release on probation has to prove itself (60–86400).", valueName: "SECONDS"))
    var probationSeconds: Int = 600

    /// sysexits.h: the configuration is wrong.
    static let exitConfig: Int32 = 78
    /// sysexits.h: try again later (another daemon holds the state directory).
    static let exitTemporaryFailure: Int32 = 75

    func run() async throws {
        EarlyStop.install()
        let tuned = Allocator.tuneForDaemon()
        // Config reload on SIGHUP is not there yet: ignoring it keeps a stray
        // `kill -HUP` (or a terminal hang-up) from ending the recording.
        signal(SIGHUP, SIG_IGN)
        let level: Logger.Level = verbose ? .debug : .info
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
        let logger = Logger(label: "edge-recorderd")
        let loaded: RecorderConfiguration
        do {
            loaded = try ConfigLoader.load(path: config)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(Self.exitConfig)
        }
        guard (60...86400).contains(probationSeconds) else {
            logger.critical("--probation-seconds \(probationSeconds) is out of range 60…86400")
            throw ExitCode(Self.exitConfig)
        }
        if check {
            print("\(config): valid, \(loaded.cameras.count) camera(s)")
            return
        }
        if !tuned { logger.notice("the C library refused the allocator settings: memory use may be higher") }
        let daemon = RecorderDaemon(
            config: loaded, sources: SourceFactory(time: SystemTime(), v4l2: V4L2Wiring.source), logger: logger,
            configPath: config,
            // The board's name and the release key sit beside the config (/etc/edge-recorder).
            updatePaths: UpdatePaths(root: slotsRoot, etc: FileSystem.directory(of: config), stateDirectory: loaded.stateDirectory),
            probationDeadline: .seconds(Int64(probationSeconds)))
        do {
            try await daemon.run()
        } catch let switched as SlotSwitched {
            // Restart=on-failure starts what `current` names.
            logger.notice("\(switched)")
            throw ExitCode(Self.exitTemporaryFailure)
        } catch let busy as DirectoryLock.Failure {
            if case .held = busy {
                logger.critical("\(busy); stop it first (systemctl stop edge-recorder), or give this one another stateDirectory")
                throw ExitCode(Self.exitTemporaryFailure)
            }
            throw busy
        }
    }
}
