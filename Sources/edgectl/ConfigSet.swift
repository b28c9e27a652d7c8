import ArgumentParser
import EdgeJSON
import EdgeSystem
import RecorderConfig

extension Edgectl.Config {
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change one setting: in the daemon's config (applied at once) or in a file (--offline).",
            discussion: """
                KEY is a dotted path: segmentSeconds, storage.minFreeMiB, cameras.gate.fps \
                (an array element by its id or name, or its index). VALUE is JSON (15, true, \
                ["a"]) or else plain text; null removes the setting. The result is checked \
                with the daemon's own validator before anything is written. Exit status: \
                0 changed, 1 refused or rolled back, 69 the daemon is unreachable, 78 the \
                result would be an invalid config.
                """)

        @Argument(help: ArgumentHelp("The setting's path.", valueName: "KEY")) var key: String
        @Argument(help: ArgumentHelp("The new value.", valueName: "VALUE")) var value: String
        @Option(name: .long, help: ArgumentHelp("Edit this config file instead (the daemon may be down).", valueName: "FILE"))
        var offline: String?
        @OptionGroup var connection: SocketOption

        func run() throws {
            if let offline { return try edit(file: offline) }
            let (_, answer) = try connection.get("/v1/config")
            guard let current = answer["config"] else {
                printError("the daemon's config file is invalid now; fix it with --offline \(answer["path"]?.textValue ?? "FILE")")
                throw ExitCode(1)
            }
            let edited = try change(current)
            let (_, applied) = try connection.postRaw("/v1/config/apply", Array((CanonicalJSON.pretty(edited) + "\n").utf8))
            ConfigChangeText.print(applied, verb: "applied")
        }

        func change(_ document: JSONValue) throws -> JSONValue {
            let edited: JSONValue
            do { edited = try ConfigEditor.set(key, to: ConfigEditor.value(value), in: document) } catch {
                printError(error.description)
                throw ExitCode(1)
            }
            do { _ = try ConfigLoader.parse(Array(CanonicalJSON.pretty(edited).utf8), source: "after setting \(key)") } catch {
                printError(error.description)
                throw ExitCode(78)
            }
            return edited
        }

        func edit(file: String) throws {
            let document: JSONValue
            do { document = try JSONParser.parse(FileSystem.readFile(file, limit: ConfigLoader.sizeLimit, streams: true)) } catch {
                printError("cannot read \(file) as JSON: \(error)")
                throw ExitCode(78)
            }
            let edited = try change(document)
            do { try FileSystem.writeAtomically(Array((CanonicalJSON.pretty(edited) + "\n").utf8), to: file) } catch {
                printError("cannot write \(file): \(error)")
                throw ExitCode(1)
            }
            print("\(file): \(key) set; valid")
        }
    }
}
