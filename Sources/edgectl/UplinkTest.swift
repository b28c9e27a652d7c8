import ArgumentParser
import EdgeJSON

extension Edgectl.Uplink {
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect, TLS and authentication to each destination, naming the step that fails.",
            discussion: "Exit status: 0 every step passed, 1 a step failed (or refused), 69 the daemon is unreachable.")

        @Option(name: .long, help: "Test this destination only.") var destination: String?
        @OptionGroup var connection: SocketOption
        @Flag(name: .long, help: "Print the daemon's JSON instead of text.") var json = false

        func run() throws {
            let body: JSONValue = .object(destination.map { [("destination", .string($0))] } ?? [])
            // Each probe is bounded by its destination's connectSeconds (≤ 300) + 10 s.
            let (raw, answer) = try connection.post("/v1/uplink/test", body, timeout: 330)
            let results = answer["destinations"]?.arrayValue ?? []
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
            } else {
                let style = TextStyle.forStandardOutput()
                for d in results {
                    print(StatusText.clip("\(d["destination"]?.textValue ?? "?")  \(d["url"]?.textValue ?? "")", 80))
                    for step in d["steps"]?.arrayValue ?? [] {
                        let ok = step["ok"] == .bool(true)
                        let mark = ok ? style.good("ok  ") : style.bad("FAIL")
                        let took = step["milliseconds"]?.textValue.map { " (\($0) ms)" } ?? ""
                        let name = StatusText.pad(step["step"]?.textValue ?? "?", 9)
                        let first = "  \(ok ? "ok  " : "FAIL")  \(name)"
                        for (i, line) in wrap((step["detail"]?.textValue ?? "") + took, first: first, indent: String(repeating: " ", count: 17)).enumerated() {
                            // Colour only the mark, after wrapping counted plain text.
                            print(i == 0 ? "  " + mark + String(line.dropFirst(6)) : line)
                        }
                    }
                }
            }
            if results.contains(where: { $0["ok"] != .bool(true) }) { throw ExitCode(1) }
        }
    }
}
