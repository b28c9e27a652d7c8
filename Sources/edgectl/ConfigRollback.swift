import ArgumentParser
import EdgeJSON

extension Edgectl.Config {
    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Go back to a kept config version (by default the one before the file in force).",
            discussion: "Exit status: 0 rolled back, 1 refused, 69 the daemon is unreachable.")

        @Option(name: .long, help: "The version to go back to (see edgectl config history).") var version: Int?
        @OptionGroup var connection: SocketOption
        @Flag(name: .long, help: "Print the daemon's JSON instead of text.") var json = false

        func validate() throws {
            if let version, version < 1 { throw ValidationError("--version must be 1 or more") }
        }

        func run() throws {
            let body: JSONValue = .object(version.map { [("version", .number(String($0)))] } ?? [])
            let (raw, answer) = try connection.post("/v1/config/rollback", body)
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
                return
            }
            ConfigChangeText.print(answer, verb: "rolled back")
        }
    }
}
