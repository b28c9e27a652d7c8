import ArgumentParser
import EdgeSystem
import Recorder
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
        static let configuration = CommandConfiguration(abstract: "Hold segments FROM…TO of a camera (refused if over the hold quota).")

        @Option(name: .long, help: ArgumentHelp("The daemon's config (for the state directory and the hold quota).", valueName: "FILE"))
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
            let loaded: RecorderConfiguration
            do { loaded = try ConfigLoader.load(path: config) } catch {
                printError("\(error)")
                throw ExitCode(78)
            }
            let time = SystemTime()
            let keeper = RingKeeper(
                layout: RingLayout(stateDirectory: loaded.stateDirectory), holds: HoldBook(stateDirectory: loaded.stateDirectory),
                bounds: loaded.storage.ringBounds, ledger: nil, time: time)
            let who = by ?? getenv("SUDO_USER").map { String(cString: $0) } ?? getenv("USER").map { String(cString: $0) } ?? "uid \(getuid())"
            do {
                try keeper.scan()
                try keeper.hold(SegmentRing.Hold(camera: camera, from: from, to: to ?? from, reason: reason, by: who, at: time.wallNow()))
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            print("held \(camera) segments \(from)…\(to ?? from): \(reason)")
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Release every hold covering a segment.")

        @Option(name: .long, help: ArgumentHelp("The daemon's state directory.", valueName: "DIR"))
        var stateDir: String = RecorderConfiguration.defaultStateDirectory
        @Option(name: .long, help: "The camera id.") var camera: String
        @Option(name: .long, help: "A segment number the hold covers.") var sequence: UInt64

        func run() throws {
            let released: Int
            do { released = try HoldBook(stateDirectory: stateDir).release(camera: camera, sequence: sequence) } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            guard released > 0 else {
                printError("no hold covers \(camera) segment \(sequence)")
                throw ExitCode(1)
            }
            print("released \(released) hold(s) covering \(camera) segment \(sequence)")
        }
    }
}
