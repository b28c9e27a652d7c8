#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import EdgeJSON

extension Edgectl.Uplink {
    struct Wait: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait until every destination has the whole backlog (after an outage, before a box is moved).",
            discussion: """
                Shows one progress line (rewritten in place on a terminal, a line every 10 s \
                otherwise). Exit status: 0 nothing waits, 1 still waiting at --timeout (or \
                refused), 69 the daemon is unreachable.
                """)

        @Option(name: .long, help: "Give up after this many seconds.") var timeout = 3600
        @Option(name: .long, help: "Wait for this destination only.") var destination: String?
        @OptionGroup var connection: SocketOption

        func validate() throws {
            guard timeout >= 1 else { throw ValidationError("--timeout must be 1 or more seconds") }
        }

        func run() throws {
            let tty = isatty(1) == 1
            var started: Int64?
            var lastPrinted = -10
            var elapsed = 0
            while true {
                let (_, status) = try connection.get("/v1/status")
                let all = (status["uplink"]?.arrayValue ?? []).filter { d in
                    destination.map { d["destination"]?.textValue == $0 } ?? true
                }
                if all.isEmpty {
                    printError(destination.map { "no destination \"\($0)\" uploads from this gateway" } ?? "no destinations are configured: nothing to wait for")
                    throw ExitCode(1)
                }
                let line = Self.progress(all)
                // Parked items (a conflict or a refusal) wait for a person, not for the network.
                let left = all.reduce(Int64(0)) {
                    $0 + (Int64($1["pending"]?.textValue ?? "0") ?? 0) - (Int64($1["parked"]?.textValue ?? "0") ?? 0)
                }
                let parked = all.reduce(Int64(0)) { $0 + (Int64($1["parked"]?.textValue ?? "0") ?? 0) }
                if started == nil { started = left }
                if left == 0 {
                    if tty { print("\r\u{1B}[K", terminator: "") }
                    print("delivered: nothing waits for \(all.compactMap { $0["destination"]?.textValue }.joined(separator: ", "))")
                    if parked > 0 { print("\(parked) parked after a conflict or refusal: see edgectl status and the log") }
                    return
                }
                if elapsed >= timeout {
                    if tty { print("") }
                    printError("still waiting after \(timeout) s: \(line)")
                    throw ExitCode(1)
                }
                if tty {
                    print("\r\u{1B}[K" + StatusText.clip(line, 79), terminator: "")
                    fflush(nil)
                } else if elapsed - lastPrinted >= 10 {
                    print(StatusText.clip(line, 80))
                    fflush(nil)
                    lastPrinted = elapsed
                }
                sleep(2)
                elapsed += 2
            }
        }

        /// `centre: 12 waiting, 34 MiB, oldest 5 min, 2150 KiB/s | archive: …`
        static func progress(_ destinations: [JSONValue]) -> String {
            destinations.map { d in
                var text = "\(d["destination"]?.textValue ?? "?"): \(d["pending"]?.textValue ?? "0") waiting"
                if let bytes = d["backlogBytes"]?.textValue.flatMap({ Int64($0) }) { text += ", \(StatusText.size(bytes))" }
                if let rate = d["rateBytesPerSecond"]?.textValue.flatMap({ Int64($0) }), rate > 0 {
                    text += ", \(StatusText.size(rate))/s"
                    if let bytes = d["backlogBytes"]?.textValue.flatMap({ Int64($0) }) {
                        text += ", about \(StatusText.duration(Int(bytes / rate) + 1))"
                    }
                }
                if d["backingOff"] == .bool(true) { text += ", backing off" }
                return text
            }.joined(separator: " | ")
        }
    }
}
