import ArgumentParser
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Enrolment
import RecorderConfig
import Uplink

extension Edgectl.Enrol {
    struct Renew: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew this gateway's client certificate before it expires (as root).",
            discussion: """
                When fewer than --days-left days remain (or with --force), makes a new TLS \
                key and asks the destination for a certificate over the mutual TLS the \
                current one still opens (PUT /v1/reenrolment, RFC 7030's simplereenroll). \
                The new key and certificate replace the files the config names; the daemon \
                uses them from its next connection. Exit status: 0 renewed or nothing to \
                do (also before enrolment), 1 the renewal failed (the old certificate stays), 78 invalid config.
                """)

        @Option(help: ArgumentHelp("The daemon's config file.", valueName: "FILE"))
        var config: String = RecorderConfiguration.defaultPath
        @Option(help: ArgumentHelp("The destination whose certificate to renew.", valueName: "NAME"))
        var destination: String = "centre"
        @Option(help: ArgumentHelp("Renew when fewer days than this are left.", valueName: "DAYS"))
        var daysLeft: Int = 30
        @Flag(help: "Renew whatever the days left.")
        var force = false

        func validate() throws {
            guard (1...825).contains(daysLeft) else { throw ValidationError("--days-left must be 1…825") }
        }

        func run() throws {
            let loaded: RecorderConfiguration
            do { loaded = try ConfigLoader.load(path: config) } catch {
                printError(error.description)
                throw ExitCode(78)
            }
            guard let d = loaded.destinations.first(where: { $0.name == destination }) else {
                // Not enrolled yet (the daily timer runs from the first boot): nothing to renew.
                print("\(config) has no destination \(LogField.quoted(destination)) yet: nothing to renew (`edgectl enrol` makes one)")
                return
            }
            do { try renew(d) } catch {
                printError(error.message)
                throw ExitCode(1)
            }
        }

        private func renew(_ d: DestinationConfiguration) throws(EnrolmentError) {
            do {
                if try FileSet.recover(d.credentialFiles) { print("finished a renewal a power cut had interrupted") }
            } catch { throw EnrolmentError(.storage, "cannot finish an interrupted renewal: \(error)", cause: error) }
            let current: CertificateFacts
            do { current = try CertificateFacts.read(try FileSystem.readFile(d.certFile, limit: 64 * 1024)) } catch {
                throw EnrolmentError(.storage, "cannot read the certificate \(d.certFile): \(error)")
            }
            let now = SystemTime().wallNow().nanosecondsSinceEpoch / 1_000_000_000
            let (left, overflow) = current.notAfter.subtractingReportingOverflow(now)
            let days = overflow ? Int64.max / 86_400 : left / 86_400
            if !force && days >= daysLeft {
                print("the certificate for \(current.commonName) is valid until \(CertificateExchange.day(current.notAfter)) (\(days) days): nothing to do")
                return
            }
            let (request, keyPEM) = try CertificateRequest.make(commonName: current.commonName)
            let tls = UplinkTLS(caFile: d.caFile, certFile: d.certFile, keyFile: d.keyFile, pinnedKey: d.pinnedKey)
            let (answer, facts) = try CertificateExchange.send(
                "renewal", to: d.url, path: "/v1/reenrolment", tls: tls, body: RenewalRequest(csr: request).json, for: request,
                tlsHint: " (edgectl uplink test says why)")
            // All three or none, even across a power cut: a key beside the certificate of
            // another would lock the box out until it enrols again.
            do { try CertificateExchange.install(answer, key: keyPEM, files: d.credentialFiles) } catch { throw EnrolmentError(.storage, "cannot write the renewed certificate: \(error)", cause: error) }
            print("renewed the certificate for \(facts.commonName): \(CertificateExchange.fingerprint(facts))")
            print("  until \(CertificateExchange.day(facts.notAfter)); the daemon uses it from its next connection")
        }
    }
}
