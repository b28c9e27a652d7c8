import ArgumentParser

@main
struct Edgectl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgectl",
        abstract: "Set up, check and operate an EdgeRecorder gateway.",
        discussion: "Exit status: 0 success, 1 the check failed, 64 usage error, 78 invalid config.",
        subcommands: [Cameras.self, Config.self, Keys.self, Segments.self])
}
