import ArgumentParser
import EdgeJSON

extension Edgectl.Config {
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The config versions the daemon keeps, newest first.",
            discussion: "Exit status: 0 listed, 1 refused, 69 the daemon is unreachable.")

        @OptionGroup var connection: SocketOption
        @Flag(name: .long, help: "Print the daemon's JSON instead of text.") var json = false

        func run() throws {
            let (raw, answer) = try connection.get("/v1/config/history")
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
                return
            }
            let versions = answer["versions"]?.arrayValue ?? []
            guard !versions.isEmpty else {
                print("no versions yet: the first apply keeps the config the daemon started with")
                return
            }
            print("VERSION  SAVED (UTC)       CAMERAS")
            for v in versions {
                let number = v["version"]?.textValue ?? "?"
                let mark = v["current"] == .bool(true) ? "*" : " "
                let cameras = v["cameras"]?.arrayValue?.compactMap(\.textValue).joined(separator: ",") ?? "(invalid)"
                let line = "\(mark)\(Self.pad(number, 7)) \(Self.pad(v["savedAt"]?.textValue ?? "?", 17)) \(cameras)"
                print(line.count > 80 ? String(line.prefix(79)) + "…" : line)
            }
            print("* the file in force; roll back with: edgectl config rollback --version N")
        }

        static func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
    }
}
