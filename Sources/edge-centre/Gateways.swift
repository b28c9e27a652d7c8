import ArgumentParser
import CentreReceiver
import EdgeSystem

extension EdgeCentre {
    struct Gateways: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The registered gateways: list, revoke, restore.",
            discussion: """
                DIR is the folder `serve --gateways` reads: <gateway>.pub registers a \
                gateway, <gateway>.revoked revokes it. A running `serve` reads both on \
                every request, so a revocation takes effect at the gateway's next request \
                without a restart.
                """,
            subcommands: [List.self, Revoke.self, Restore.self])
    }
}

extension EdgeCentre.Gateways {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every gateway with a key or a revocation, one line each.")

        @Option(help: ArgumentHelp("The registered gateways' folder (as given to `serve --gateways`).", valueName: "DIR"))
        var gateways: String

        func run() throws {
            let all: [(gateway: String, keyID: String?, revoked: Result<GatewayKeys.Revocation?, any Error>)]
            do { all = try GatewayKeys(directory: gateways).gateways() } catch {
                throw CentreError("cannot read \(gateways): \(error)")
            }
            if all.isEmpty { print("no gateways in \(gateways): put <gateway>.pub there to register one") }
            for entry in all {
                let key = entry.keyID.map { "key \($0)" } ?? "no key"
                let state: String =
                    switch entry.revoked {
                    case .success(nil): "registered"
                    case .success(let r?): "REVOKED \(r.revokedAt.rfc3339Seconds): \(r.reason)"
                    case .failure: "REVOKED (unreadable record)"
                    }
                let line = "\(entry.gateway)  \(key)  \(state)"
                print(line.count > 80 ? String(line.prefix(79)) + "…" : line)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refuse every request from a gateway (a stolen or retired box).",
            discussion: """
                From the gateway's next request on, the centre answers 403 with the reason \
                to everything it sends or asks (segments, gaps, checkpoints, the desired \
                state, releases, reports, /v1/identity) and logs event=refused \
                reason=revoked. Its key stays, so what it sent before still verifies.
                """)

        @Option(help: ArgumentHelp("The registered gateways' folder (as given to `serve --gateways`).", valueName: "DIR"))
        var gateways: String

        @Option(help: "Why, for the record and the gateway's log (at most 200 characters).")
        var reason: String = ""

        @Argument(help: "The gateway id (its certificate's CN).")
        var gateway: String

        func run() throws {
            let record: GatewayKeys.Revocation
            do {
                record = try GatewayKeys(directory: gateways).revoke(gateway, reason: reason, at: SystemTime().wallNow())
            } catch { throw CentreError("cannot revoke \(gateway): \(error)") }
            print("revoked \(record.gateway) since \(record.revokedAt.rfc3339Seconds): \(record.reason)")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a revoked gateway in again.")

        @Option(help: ArgumentHelp("The registered gateways' folder (as given to `serve --gateways`).", valueName: "DIR"))
        var gateways: String

        @Argument(help: "The gateway id.")
        var gateway: String

        func run() throws {
            let restored: Bool
            do { restored = try GatewayKeys(directory: gateways).restore(gateway) } catch {
                throw CentreError("cannot restore \(gateway): \(error)")
            }
            print(restored ? "restored \(gateway): its requests are accepted again" : "\(gateway) was not revoked; nothing changed")
        }
    }
}
