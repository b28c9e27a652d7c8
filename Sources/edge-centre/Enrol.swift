import ArgumentParser
import EdgeSystem
import Enrolment

extension EdgeCentre {
    struct Enrol: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enrolment of new gateways: one-time tokens for `edgectl enrol`.",
            discussion: """
                `serve --enrol-listen ADDR --enrol-tokens DIR --ca-key FILE` answers \
                enrolments on a port of its own; a gateway holding a token for its id gets \
                its client certificate from --ca and its device key registered in \
                --gateways (Sources/Uplink/PROTOCOL.md, "Enrolment").
                """,
            subcommands: [IssueToken.self])
    }
}

extension EdgeCentre.Enrol {
    struct IssueToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a one-time enrolment token for a gateway id and print the technician's command.",
            discussion: """
                The token is printed once and kept only as its SHA-256 in DIR/<gateway>.token; \
                issuing again replaces it. It can be used once, before it expires.
                """)

        @Option(help: ArgumentHelp("The tokens' folder (as given to `serve --enrol-tokens`).", valueName: "DIR"))
        var tokens: String
        @Option(help: ArgumentHelp("The gateway id the token is for (site-042).", valueName: "ID"))
        var gateway: String
        @Option(help: ArgumentHelp("How long the token lasts: 30m, 24h, 7d (at most 7d).", valueName: "DURATION"))
        var expires: String = "24h"
        @Option(help: ArgumentHelp("The server certificate `serve --cert` uses: its key pin goes with the token.", valueName: "FILE"))
        var serverCert: String
        @Option(help: ArgumentHelp("The enrolment address gateways reach (for the printed command).", valueName: "URL"))
        var centre: String = "https://centre.example:8444"

        func run() throws {
            guard let seconds = Self.seconds(expires), seconds > 0, seconds <= 7 * 86_400 else {
                throw ValidationError("--expires \(expires): give 1m to 7d, as 30m, 24h or 7d")
            }
            let pin: String
            do { pin = try CertificateFacts.read(try FileSystem.readFile(serverCert, limit: 64 * 1024)).publicKeyPin } catch {
                throw CentreError("cannot read the server certificate \(serverCert): \(error)")
            }
            let now = SystemTime().wallNow()
            let until = now + .seconds(seconds)
            let token: String
            do { token = try EnrolmentTokens(directory: tokens).issue(for: gateway, now: now, expires: until) } catch {
                throw CentreError(error.message)
            }
            print("token for \(gateway), valid until \(until.rfc3339Seconds), once:")
            print("  \(token)")
            print("on the gateway (as root):")
            print("  edgectl enrol --centre \(centre) --gateway \(gateway) \\")
            print("      --token \(token) \\")
            print("      --pin \(pin)")
        }

        /// `30m`, `24h`, `7d` in seconds.
        static func seconds(_ text: String) -> Int64? {
            guard let unit = text.last, let n = Int64(text.dropLast()), n > 0, n <= 10_000 else { return nil }
            switch unit {
            case "m": return n * 60
            case "h": return n * 3600
            case "d": return n * 86_400
            default: return nil
            }
        }
    }
}
