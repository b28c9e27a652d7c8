#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ControlClient
import EdgeJSON

extension Edgectl {
    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow what happens: cameras lost and back, segments sealed, uploaded, evicted, config changes.",
            discussion: """
                One line per event until Ctrl-C (or --count events). \
                Exit status: 0 done, 1 refused, 69 the daemon is unreachable.
                """)

        @Option(name: .long, help: "Stop after this many events.") var count: Int?
        @OptionGroup var connection: SocketOption
        @Flag(name: .long, help: "Print each event as the daemon's JSON line.") var json = false

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
        }

        func run() throws {
            var seen = 0
            let refusal: ControlClient.Response?
            do {
                refusal = try ControlClient(socketPath: connection.socket).follow("/v1/events") { line in
                    guard let event = try? JSONParser.parse(Array(line.utf8)) else { return true }
                    if event["event"] == .string("stream.started") { return true }
                    print(json ? line : Self.text(event))
                    fflush(nil)
                    seen += 1
                    return count.map { seen < $0 } ?? true
                }
            } catch {
                printError("\(error)")
                throw ExitCode(Edgectl.daemonUnreachable)
            }
            if let refusal {
                let message = (try? JSONParser.parse(refusal.body))?["error"]?.textValue
                printError(message ?? "edge-recorderd answered \(refusal.status)")
                throw ExitCode(1)
            }
        }

        /// `20:52:36 segment.sealed gate sequence=2 ciphertextBytes=96082 …`, within 80 columns.
        static func text(_ event: JSONValue) -> String {
            let at = event["at"]?.textValue ?? ""
            let clock = at.count >= 19 ? String(at.dropFirst(11).prefix(8)) : at
            var line = "\(clock) \(event["event"]?.textValue ?? "?")"
            // The camera (or destination) it is about, bare, then the rest.
            let subject = ["camera", "destination"].first { event[$0] != nil }
            if let subject, let name = event[subject]?.textValue { line += " \(name)" }
            if case .object(let members) = event {
                // The sequence next: it names the record, and must survive the 80-column cut.
                let ordered = members.filter { $0.key == "sequence" } + members.filter { $0.key != "sequence" }
                for (key, value) in ordered where key != "at" && key != "event" && key != subject {
                    let text: String
                    switch value {
                    case .array(let items) where items.isEmpty: continue
                    case .array(let items): text = items.compactMap(\.textValue).joined(separator: ",")
                    default: text = value.textValue ?? "…"
                    }
                    line += " \(key)=\(text.contains(" ") ? "\"\(text)\"" : text)"
                }
            }
            return line.count > 80 ? String(line.prefix(79)) + "…" : line
        }
    }
}
