import ArgumentParser
import ControlClient
import EdgeJSON
import EdgeSystem
import RecorderConfig
import V4L2Capture

extension Edgectl {
    struct Setup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk through cameras, recipients and destination; write a config that validates.",
            discussion: """
                Asks one question at a time on the console; the default is in brackets \
                (Enter takes it). Cameras: each capture device is probed and its \
                recordable formats are offered, best first; 'test-pattern' records colour \
                bars to check the way to the centre before a camera is fitted. Nothing is \
                written until the whole config validates and you confirm. With the daemon \
                running the config is applied through it (checked, rolled back if a \
                camera fails) and a snapshot of each camera is saved to check its aim. \
                Scripted: pipe the answers in, one per line. Exit status: 0 written (or \
                nothing to write), 1 input ended early or the daemon refused, 78 invalid.
                """)

        @Option(help: ArgumentHelp("The config file, used when the daemon is not running.", valueName: "FILE"))
        var config: String = RecorderConfiguration.defaultPath
        @Option(help: ArgumentHelp("Where to look for cameras.", valueName: "DIR"))
        var devices: String = "/dev"
        @Option(help: ArgumentHelp("Where aiming snapshots are saved.", valueName: "DIR"))
        var snapshots: String = "/var/tmp"
        @OptionGroup var connection: SocketOption

        func run() throws {
            let prompter = SetupPrompter()
            do { try walk(prompter) } catch is SetupPrompter.Ended {
                printError("setup ended before it was finished: nothing was written")
                throw ExitCode(1)
            }
        }

        private func walk(_ prompter: SetupPrompter) throws {
            var session = try SetupSession.open(configPath: config, socket: connection.socket)
            session.printHeader()
            print("")
            print("-- cameras")
            try session.chooseCameras(prompter, devices: SetupCameras.devices(in: devices))
            print("")
            print("-- recipients: who can decrypt the video (age1… from edge-centre keygen)")
            try session.chooseRecipients(prompter)
            print("")
            print("-- the new config")
            let parsed: RecorderConfiguration
            do { parsed = try ConfigLoader.parse(session.bytes, source: "the new config") } catch {
                printError(error.description)
                printError("nothing was written")
                throw ExitCode(78)
            }
            session.printSummary(parsed)
            guard session.changed else {
                print("nothing changed: nothing to write")
                return
            }
            guard try prompter.confirm("Write it?", default: true) else {
                print("nothing was written")
                return
            }
            try session.write(connection)
            print("")
            print("-- aiming")
            try session.aim(prompter, cameras: parsed.cameras.map(\.id), directory: snapshots, connection: connection)
        }
    }
}
