import ArgumentParser
import RecorderConfig

extension Edgectl {
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, check, change and roll back the recorder's config.",
            subcommands: [Show.self, Validate.self, Apply.self, Set.self, History.self, Rollback.self])
    }
}

extension Edgectl.Config {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a config file with the daemon's own validator (works with the daemon down).")

        @Option(name: .long, help: ArgumentHelp("The config file to check.", valueName: "FILE"))
        var offline: String = RecorderConfiguration.defaultPath

        func run() throws {
            do {
                let config = try ConfigLoader.load(path: offline)
                print("\(offline): valid")
                print("gateway \(config.gateway), \(config.cameras.count) camera(s), segments of \(config.segmentSeconds) s")
                for camera in config.cameras { print("  \(camera.id): \(camera.source.kind)") }
            } catch {
                print(error.description)
                throw ExitCode(78)
            }
        }
    }
}
