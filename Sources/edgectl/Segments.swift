import ArgumentParser
import ControlAudit
import EdgeJSON
import EdgeSystem
import RecorderConfig
import SegmentRing

extension Edgectl {
    struct Segments: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the ring's segments; put evidence on hold, or release it.",
            discussion: """
                Held segments are never evicted, whatever the ring's bounds. Holds are files \
                in <state>/holds/, so hold and release work with the daemon down; the daemon \
                reads them before every eviction. list asks the running daemon.
                """,
            subcommands: [List.self, Hold.self, Release.self])
    }
}

extension Edgectl.Segments {
    struct Hold: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold segments FROM…TO of a camera (refused if over the hold quota).",
            discussion: """
                With the daemon running, the hold goes through its control socket (audited \
                there); with it stopped, edgectl writes the hold itself and an audit line in \
                <state>/audit.log.
                """)

        @Option(name: .long, help: ArgumentHelp("The daemon's config (state directory, socket, hold quota).", valueName: "FILE"))
        var config: String = RecorderConfiguration.defaultPath
        @Option(name: .long, help: "The camera id.") var camera: String
        @Option(name: .long, help: "The first segment number.") var from: UInt64
        @Option(name: .long, help: "The last segment number (default: FROM).") var to: UInt64?
        @Option(name: .long, help: "Why (a case number, an incident).") var reason: String
        @Option(name: .long, help: "Who asks (default: the login name).") var by: String?

        func validate() throws {
            if let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
            if reason.allSatisfy(\.isWhitespace) { throw ValidationError("--reason must say why") }
        }

        func run() throws {
            let loaded = try Edgectl.Segments.load(config)
            let who = by ?? getenv("SUDO_USER").map { String(cString: $0) } ?? getenv("USER").map { String(cString: $0) } ?? "uid \(getuid())"
            let to = self.to ?? from
            let detail: [(String, JSONValue)] = [
                ("camera", .string(camera)), ("from", .number(String(from))), ("to", .number(String(to))),
                ("reason", .string(reason)), ("by", .string(who)),
            ]
            try Edgectl.Segments.change(
                loaded, "segments.hold", path: "/v1/segments/hold", detail: detail,
                local: { time in
                    let keeper = RingKeeper(
                        layout: RingLayout(stateDirectory: loaded.stateDirectory), holds: HoldBook(stateDirectory: loaded.stateDirectory),
                        bounds: RingBounds(loaded.storage), custody: nil, time: time)
                    try keeper.scan()
                    try keeper.hold(SegmentRing.Hold(camera: camera, from: from, to: to, reason: reason, by: who, at: time.wallNow()))
                    return []
                })
            print("held \(camera) segments \(from)…\(to): \(reason)")
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release every hold covering a segment.",
            discussion: "Through the daemon when it runs, else directly, with an audit line (as hold).")

        @Option(name: .long, help: ArgumentHelp("The daemon's config (state directory, socket).", valueName: "FILE"))
        var config: String = RecorderConfiguration.defaultPath
        @Option(name: .long, help: "The camera id.") var camera: String
        @Option(name: .long, help: "A segment number the hold covers.") var sequence: UInt64

        func run() throws {
            let loaded = try Edgectl.Segments.load(config)
            let answer = try Edgectl.Segments.change(
                loaded, "segments.release", path: "/v1/segments/release",
                detail: [("camera", .string(camera)), ("sequence", .number(String(sequence)))],
                local: { _ in
                    let released = try HoldBook(stateDirectory: loaded.stateDirectory).release(camera: camera, sequence: sequence)
                    guard released > 0 else { throw LocalRefusal(status: 404, message: "no hold covers \(camera) segment \(sequence)") }
                    return [("released", .number(String(released)))]
                })
            print("released \(answer["released"]?.textValue ?? "?") hold(s) covering \(camera) segment \(sequence)")
        }
    }
}

extension Edgectl.Segments {
    static func load(_ path: String) throws -> RecorderConfiguration {
        do { return try ConfigLoader.load(path: path) } catch {
            printError("\(error)")
            throw ExitCode(78)
        }
    }

    /// A change to the ring: through the daemon's socket while it runs (the daemon holds
    /// the state directory's lock), so it is audited there; otherwise made here under that
    /// lock (so no daemon starts meanwhile), with a line in the same audit log carrying its
    /// outcome. Returns the answer's fields.
    @discardableResult
    static func change(
        _ config: RecorderConfiguration, _ what: String, path: String, detail: [(String, JSONValue)],
        local: (any TimeSource) throws -> [(String, JSONValue)]
    ) throws -> JSONValue {
        let lock: DirectoryLock
        do { lock = try DirectoryLock.acquire(directory: config.stateDirectory) } catch {
            guard case .held = error else {
                printError("\(error)")
                throw ExitCode(1)
            }
            var connection = SocketOption()
            connection.socket = config.control.socket
            return try connection.post(path, .object(detail)).json
        }
        let time = SystemTime()
        let audit = AuditLog(path: config.stateDirectory + "/audit.log", time: time)
        do {
            let result = try local(time)
            try audit.record(.current, what, detail: detail + result + [("offline", .bool(true))], status: 200)
            withExtendedLifetime(lock) {}
            return .object(result)
        } catch {
            let refusal = error as? LocalRefusal
            try? audit.record(
                .current, what, detail: detail + [("offline", .bool(true))], status: refusal?.status ?? 500, error: "\(error)")
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    struct LocalRefusal: Error, CustomStringConvertible {
        var status: Int
        var message: String
        var description: String { message }
    }
}
