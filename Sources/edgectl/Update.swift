import ArgumentParser
import ControlAudit
import EdgeJSON
import EdgeSystem
import RecorderConfig
import Updater

extension Edgectl {
    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The firmware: its slots, installing a release, rolling back (as root).",
            discussion: """
                A release installs into the slot that is not running and runs on probation \
                from the daemon's next start; it becomes the committed release once proven, \
                and after \(Updater.maxStarts) starts without that it is rolled back and \
                never installed again.
                """,
            subcommands: [Status.self, Install.self, Commit.self, Rollback.self, Boot.self])
    }

    /// Where the slots, the board's files and the state are (Board/README.md, "Slots").
    struct UpdateLocation: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Where the slots are.", valueName: "DIR"))
        var root: String = UpdatePaths.defaultRoot
        @Option(name: .long, help: ArgumentHelp("Where the board name and release key are.", valueName: "DIR"))
        var etcDir: String = UpdatePaths.defaultEtc
        @Option(name: .long, help: ArgumentHelp("The daemon's state directory.", valueName: "DIR"))
        var stateDir: String = RecorderConfiguration.defaultStateDirectory

        var updater: Updater { Updater(paths: UpdatePaths(root: root, etc: etcDir, stateDirectory: stateDir)) }

        /// Runs a change, with its audit line (`update.install`…) carrying the outcome.
        func audited(_ what: String, detail: [(String, JSONValue)], _ change: () throws(UpdateError) -> String) throws {
            let audit = AuditLog(path: "\(stateDir)/audit.log")
            do {
                let result = try change()
                try? audit.record(.current, what, detail: detail + [("offline", .bool(true))], status: 200)
                print(result)
            } catch {
                try? audit.record(.current, what, detail: detail + [("offline", .bool(true))], status: 409, error: error.message)
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}

extension Edgectl.Update {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the slots, what runs, what is on probation, the last outcomes.")
        @OptionGroup var location: Edgectl.UpdateLocation
        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            do {
                let status = try location.updater.status()
                print(json ? CanonicalJSON.pretty(status.json) : status.text)
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a release file (from a USB stick) into the idle slot, on probation.",
            discussion: """
                The same checks as a pushed release: signature by a trusted release key, \
                board, expiry, security version, every file's hash. Nothing is switched \
                unless all pass. Restart the daemon to run it (systemctl restart edge-recorder).
                """)
        @OptionGroup var location: Edgectl.UpdateLocation
        @Argument(help: "The release archive (.tar).")
        var file: String

        func run() throws {
            try location.audited("update.install", detail: [("file", .string(file))]) { () throws(UpdateError) in
                let release = try location.updater.install(archive: file)
                let m = release.manifest
                return "release \(m.version) (security \(m.securityVersion)) is installed on probation; "
                    + "it runs from the daemon's next start (systemctl restart edge-recorder)"
            }
        }
    }

    struct Commit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark the release on probation good (the daemon does this once it is healthy).")
        @OptionGroup var location: Edgectl.UpdateLocation

        func run() throws {
            try location.audited("update.commit", detail: []) { () throws(UpdateError) in
                try location.updater.commit(detail: "committed by a technician")
                return "committed"
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Go back to the previous release (marked bad; restart the daemon to run it).")
        @OptionGroup var location: Edgectl.UpdateLocation
        @Option(help: "Why, for the audit log and the centre.")
        var reason: String = "rolled back by a technician"

        func run() throws {
            try location.audited("update.rollback", detail: [("reason", .string(reason))]) { () throws(UpdateError) in
                try location.updater.rollBack(reason: reason)
            }
        }
    }

    struct Boot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The check before each start of the daemon (systemd's ExecStartPre).",
            discussion: """
                Counts starts on probation and rolls back after \(Updater.maxStarts); finishes \
                a switch or commit a power cut interrupted. Run from the committed slot.
                """)
        @OptionGroup var location: Edgectl.UpdateLocation

        func run() throws {
            do {
                switch try location.updater.boot() {
                case .steady: print("update: committed release starts")
                case .probation(let version, let starts):
                    print("update: release \(version) starts on probation (start \(starts) of \(Updater.maxStarts))")
                case .rolledBack(let version, let reason):
                    print("update: release \(version) was rolled back: \(reason)")
                case .repaired(let what): print("update: \(what)")
                }
            } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
