import ArgumentParser
import EdgeCore

@main
struct Edgectl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgectl",
        abstract: "Set up, check and operate an EdgeRecorder gateway.",
        discussion: """
            Exit status: 0 success, 1 the check failed (or the daemon refused the request), \
            64 usage error, 69 the daemon is unreachable, 78 invalid config.
            """,
        version: Firmware.version,
        subcommands: [
            Status.self, Setup.self, Cameras.self, Config.self, Enrol.self, Events.self, Keys.self, Segments.self, Uplink.self, Update.self,
        ])

    /// EX_UNAVAILABLE: the daemon's socket is missing, refused or silent.
    static let daemonUnreachable: Int32 = 69
}
