import ArgumentParser
import EdgeJSON
import EdgeSystem

extension Edgectl.Config {
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a config file to the running daemon, camera by camera.",
            discussion: """
                The daemon validates the file, writes it to its config path (kept in the \
                history) and restarts only the cameras it changes. A new or changed camera \
                that does not stream within the settle time rolls the change back. \
                Exit status: 0 applied, 1 refused or rolled back, 69 the daemon is unreachable.
                """)

        @Argument(help: ArgumentHelp("The new config.", valueName: "FILE")) var file: String
        @Option(name: .long, help: "Seconds new cameras have to stream before the change is rolled back (0…120).")
        var settle = 10
        @Flag(name: .long, help: "Keep the change even when a new camera does not stream (same as --settle 0).")
        var noRollback = false
        @OptionGroup var connection: SocketOption
        @Flag(name: .long, help: "Print the daemon's JSON instead of text.") var json = false

        func validate() throws {
            guard (0...120).contains(settle) else { throw ValidationError("--settle must be 0…120 seconds") }
        }

        func run() throws {
            let bytes: [UInt8]
            do { bytes = try FileSystem.readFile(file, limit: 1 << 20, streams: true) } catch {
                printError("cannot read \(file): \(error)")
                throw ExitCode(1)
            }
            let (raw, answer) = try connection.postRaw("/v1/config/apply?settleSeconds=\(noRollback ? 0 : settle)", bytes)
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
                return
            }
            ConfigChangeText.print(answer, verb: "applied")
        }
    }
}

/// How edgectl describes an applied config change.
enum ConfigChangeText {
    static func print(_ answer: JSONValue, verb: String) {
        if answer["unchanged"] == .bool(true) {
            Swift.print("nothing to change: the daemon runs with this config already")
            return
        }
        Swift.print("\(verb): config version \(answer["version"]?.textValue ?? "?")")
        for (label, key) in [("cameras added", "added"), ("cameras removed", "removed"), ("cameras restarted", "changed")] {
            let ids = answer[key]?.arrayValue?.compactMap(\.textValue) ?? []
            if !ids.isEmpty { Swift.print("  \(label): \(ids.joined(separator: ", "))") }
        }
        if let warning = answer["warning"]?.textValue {
            for line in wrap("warning: " + warning, first: "  ", indent: "    ") { Swift.print(line) }
        }
        let pending = answer["restartRequired"]?.arrayValue?.compactMap(\.textValue) ?? []
        if !pending.isEmpty {
            Swift.print("  at the next start: \(pending.joined(separator: ", "))")
            Swift.print("  (systemctl restart edge-recorder)")
        }
    }
}
