import ArgumentParser
import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Enrolment
import RecorderConfig
import Uplink

extension Edgectl {
    struct Enrol: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register this gateway at the centre with a one-time token; renew its certificate.",
            subcommands: [Register.self, Renew.self], defaultSubcommand: Register.self)
    }
}

extension Edgectl.Enrol {
    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register",
            abstract: "Register this gateway at the centre with a one-time token (as root; the default).",
            discussion: """
                Makes the device key if the daemon has not yet, a TLS key and a certificate \
                request (CN = the gateway id), and sends both to the centre's enrolment port \
                with the token; the centre is recognised by the key pin it printed with the \
                token. The answer — this gateway's client certificate and the centre's CA — \
                goes to --pki-dir, and the config gets the gateway id and a destination \
                "centre" that uses them. Prints the fingerprints to read back to the centre. \
                Restart the daemon afterwards (systemctl restart edge-recorder).
                """)

        @Option(help: ArgumentHelp("The centre's enrolment address (https://centre.example:8444).", valueName: "URL"))
        var centre: String
        @Option(help: ArgumentHelp("This gateway's id (site-042).", valueName: "ID"))
        var gateway: String
        @Option(help: ArgumentHelp("The one-time token the centre issued.", valueName: "TOKEN"))
        var token: String
        @Option(help: ArgumentHelp("The centre's key pin the token came with (sha256//…).", valueName: "PIN"))
        var pin: String
        @Option(help: ArgumentHelp("Where the gateway uploads (default: --centre's host on port 8443).", valueName: "URL"))
        var uploadUrl: String?
        @Option(help: ArgumentHelp("The daemon's config file, updated in place.", valueName: "FILE"))
        var config: String = RecorderConfiguration.defaultPath
        @Option(help: ArgumentHelp("Where the TLS key, certificate and CA go.", valueName: "DIR"))
        var pkiDir: String = "/etc/edge-recorder/pki"
        @Option(help: ArgumentHelp(
            "The fingerprints as a QR code for a phone, drawn for a terminal with a dark or light background, or none.",
            valueName: "dark|light|none"))
        var qr: FingerprintCode.Background = .dark

        func validate() throws {
            guard PlainName.isLowerCaseID(gateway, max: 64) else {
                throw ValidationError("--gateway \(gateway): use 1–64 of a-z, 0-9, '-' and '_', starting with a letter or digit")
            }
            guard centre.hasPrefix("https://") else { throw ValidationError("--centre must be an https:// address") }
            guard pin.hasPrefix("sha256//"), pin.count == 52 else {
                throw ValidationError("--pin must be sha256// and 44 characters of base64, as `edge-centre enrol issue-token` printed it")
            }
            if let uploadUrl, !uploadUrl.hasPrefix("https://") { throw ValidationError("--upload-url must be an https:// address") }
        }

        func run() throws {
            do { try enrol() } catch {
                printError(error.message)
                throw ExitCode(1)
            }
        }

        private func enrol() throws(EnrolmentError) {
            // The config as it is: its state directory holds the device key.
            let document: JSONValue
            do { document = try JSONParser.parse(FileSystem.readFile(config, limit: ConfigLoader.sizeLimit, streams: true)) } catch {
                throw EnrolmentError(.storage, "cannot read \(config) as JSON: \(error)")
            }
            let stateDirectory = document["stateDirectory"]?.textValue ?? RecorderConfiguration.defaultStateDirectory
            let deviceKey: DeviceKey
            do { deviceKey = try DeviceKey.loadOrCreate(stateDirectory: stateDirectory) } catch {
                throw EnrolmentError(.storage, "cannot make or read the device key in \(stateDirectory): \(error)", cause: error)
            }
            let (request, keyPEM) = try CertificateRequest.make(commonName: gateway)
            let body = EnrolmentRequest(csr: request, deviceKey: deviceKey.publicKey.fileText).json

            let (answer, facts) = try CertificateExchange.send(
                "enrolment", to: centre, path: "/v1/enrolment/\(gateway)", tls: .enrolment(pin: pin),
                headers: [("Authorization", "Bearer \(token)")], body: body, for: request,
                tlsHint: " (is --pin the one printed with the token?)")

            let files = (ca: "\(pkiDir)/ca.pem", cert: "\(pkiDir)/\(gateway).pem", key: "\(pkiDir)/\(gateway).key")
            do {
                try FileSystem.makeDirectories(pkiDir, mode: 0o750)
                try CertificateExchange.install(
                    answer, key: keyPEM, files: DestinationConfiguration.credentialFiles(ca: files.ca, cert: files.cert, key: files.key))
            } catch { throw EnrolmentError(.storage, "cannot write into \(pkiDir): \(error)", cause: error) }
            let upload = uploadUrl ?? Self.uploadURL(from: centre)
            let edited = Self.configured(document, gateway: gateway, url: upload, files: files)
            do { _ = try ConfigLoader.parse(Array(CanonicalJSON.pretty(edited).utf8), source: "the config after enrolment") } catch {
                throw EnrolmentError(.malformed, "the config would be invalid after enrolment: \(error)")
            }
            do { try FileSystem.writeAtomically(Array((CanonicalJSON.pretty(edited) + "\n").utf8), to: config) } catch {
                throw EnrolmentError(.storage, "cannot write \(config): \(error)", cause: error)
            }
            print("enrolled \(gateway) at \(centre)")
            print("  device key   \(deviceKey.publicKey.keyIDHex)  (edgectl keys show)")
            print("  certificate  \(CertificateExchange.fingerprint(facts))  until \(CertificateExchange.day(facts.notAfter))")
            print("  written      \(files.cert)")
            print("               \(files.key)")
            print("               \(files.ca)")
            print("  config       \(config)")
            print("               gateway \(gateway), destination centre \(upload)")
            Self.check(upload: upload, files: files)
            FingerprintCode.print(
                "edge-recorder \(gateway) key \(deviceKey.publicKey.base64) cert sha256:\(Hex.encode(facts.fingerprint))", background: qr)
            print("read both fingerprints back to the centre; then:")
            print("  systemctl restart edge-recorder")
        }

        /// The upload address tried at once with the new certificate and CA (`GET
        /// /v1/identity`, as `edgectl uplink test`): a wrong --upload-url, or a centre
        /// certificate that does not name that address, shows now and not at the first
        /// upload. The enrolment stands either way.
        static func check(upload: String, files: (ca: String, cert: String, key: String)) {
            let destination = UplinkDestination(
                name: "centre", url: upload, tls: UplinkTLS(caFile: files.ca, certFile: files.cert, keyFile: files.key))
            let steps = UplinkProbe.run(destination)
            guard let failed = steps.first(where: { !$0.ok }) else {
                print("  upload       ok: \(steps.map(\.name).joined(separator: ", ")) with the new certificate")
                return
            }
            for line in wrap("FAILED at \(failed.name): \(failed.detail)", first: "  upload       ", indent: String(repeating: " ", count: 15)) {
                print(line)
            }
            print("               enrolled all the same; fix this, then: edgectl uplink test")
        }

        /// `https://host:8444/…` → `https://host:8443`: the upload port beside the enrolment one.
        static func uploadURL(from centre: String) -> String {
            let rest = centre.dropFirst("https://".count)
            let authority = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? String(rest)
            let host = authority.hasSuffix("]") || !authority.contains(":") ? authority : String(authority[..<authority.lastIndex(of: ":")!])
            return "https://\(host):8443"
        }

        /// The config with the gateway id and a destination "centre" using the new files
        /// (an existing "centre" keeps its other settings).
        static func configured(_ document: JSONValue, gateway: String, url: String, files: (ca: String, cert: String, key: String)) -> JSONValue {
            guard case .object(var top) = document else { return document }
            let tls: [(key: String, value: JSONValue)] = [
                ("url", .string(url)), ("caFile", .string(files.ca)), ("certFile", .string(files.cert)), ("keyFile", .string(files.key)),
            ]
            func set(_ fields: inout [(key: String, value: JSONValue)], _ key: String, _ value: JSONValue) {
                if let i = fields.firstIndex(where: { $0.key == key }) { fields[i].value = value } else { fields.append((key, value)) }
            }
            set(&top, "gateway", .string(gateway))
            var uplink: [(key: String, value: JSONValue)] = []
            if case .object(let fields)? = document["uplink"] { uplink = fields }
            var destinations: [JSONValue] = []
            if case .array(let items)? = document["uplink"]?["destinations"] { destinations = items }
            if let i = destinations.firstIndex(where: { $0["name"] == .string("centre") }), case .object(var fields) = destinations[i] {
                for (key, value) in tls { set(&fields, key, value) }
                fields.removeAll { $0.key == "pinnedKey" }
                destinations[i] = .object(fields)
            } else {
                destinations.append(.object([("name", .string("centre"))] + tls))
            }
            set(&uplink, "destinations", .array(destinations))
            set(&top, "uplink", .object(uplink))
            return .object(top)
        }
    }
}
