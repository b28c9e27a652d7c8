import ArgumentParser
import V4L2Capture

extension Edgectl {
    struct Cameras: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look at cameras.",
            subcommands: [Probe.self, Snapshot.self])
    }
}

extension Edgectl.Cameras {
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a V4L2 device offers (works without the daemon).",
            discussion: """
                Driver, card, bus, capabilities, and every format with its sizes and frame \
                rates. Formats the recorder can record are marked '*'.
                """)

        @Argument(help: ArgumentHelp("The device: /dev/videoN, /dev/v4l/by-id/… or /dev/v4l/by-path/….", valueName: "DEVICE"))
        var device: String

        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let description: DeviceDescription
            do {
                description = try probe(path: device)
            } catch {
                printError("\(error)".replacing("; retrying", with: ""))
                throw ExitCode(1)
            }
            print(json ? try description.json(pretty: true) : description.description)
        }
    }
}
