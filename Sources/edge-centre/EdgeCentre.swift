import ArgumentParser
import EdgeCore

@main
struct EdgeCentre: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge-centre",
        abstract: "The command centre's side of EdgeRecorder: receive, verify and decrypt footage.",
        version: Firmware.version,
        subcommands: [Serve.self, Keygen.self, Decrypt.self, Verify.self, ReleaseCommand.self, ConfigCommand.self, Fleet.self, Gateways.self, Enrol.self])
}
