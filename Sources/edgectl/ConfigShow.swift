import ArgumentParser
import EdgeJSON

extension Edgectl.Config {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the config file the daemon reads, and whether it runs with it (asks the daemon).",
            discussion: "Exit status: 0 the daemon runs with the file as it is, 1 the file differs or is invalid.")

        @OptionGroup var connection: SocketOption
        @Flag(name: .long, help: "Print the daemon's JSON instead of text.") var json = false

        func run() throws {
            let (raw, answer) = try connection.get("/v1/config")
            let running = answer["running"] == .bool(true)
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
            } else {
                let path = answer["path"]?.textValue ?? "?"
                print(running ? "\(path): the daemon runs with this" : "\(path): NOT what the daemon runs with")
                if let problems = answer["problems"]?.arrayValue {
                    print("the file is invalid now; the daemon keeps its config until restarted:")
                    for p in problems { print("  " + (p.textValue ?? "?")) }
                } else if let config = answer["config"] {
                    if let pending = answer["restartRequired"]?.arrayValue, !pending.isEmpty {
                        print("at the next start: \(pending.compactMap(\.textValue).joined(separator: ", "))")
                        print("(systemctl restart edge-recorder)")
                    } else if !running {
                        print("apply it with: edgectl config apply \(path)")
                    }
                    print(CanonicalJSON.pretty(config))
                }
            }
            if !running { throw ExitCode(1) }
        }
    }
}
