import ArgumentParser
import CentreReceiver
import DeviceIdentity
import EdgeCrypto
import EdgeSystem
import Release

extension EdgeCentre {
    /// Configs pushed to gateways (Sources/Release/RELEASE.md, "Pushed configs").
    struct ConfigCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Sign gateway configs with the release key and push them to the gateways.",
            subcommands: [ConfigSign.self, ConfigPublish.self])
    }

    struct ConfigSign: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Sign a config for each gateway named (where the release key is kept).",
            discussion: """
                Writes OUTPUT-DIR/GATEWAY-vVERSION.json (the config with its "gateway" set to \
                that gateway, the gateway and the version, as canonical JSON) and its minisign \
                signature beside it (.minisig). A gateway applies a version only above the \
                one it applied last, and never one it refused: give each push a higher \
                --version. Check the config first: edgectl config validate --offline FILE.
                """)

        @Option(help: "The release key (from `release keygen`).")
        var key: String
        @Option(help: "The version of this push: above every earlier one (1–2⁵³).")
        var version: UInt64
        @Option(help: "A gateway to sign it for (repeat for several).")
        var gateway: [String] = []
        @Option(help: "A file of gateway ids, one per line, # comments (a fleet group file).")
        var gatewaysFile: String?
        @Option(help: "Where to write the signed configs.")
        var outputDir: String
        @Argument(help: "The config (JSON, as edgectl config validate --offline accepts).")
        var file: String

        func run() throws {
            var ids = gateway
            if let gatewaysFile {
                ids += FleetStore.gatewayIDs(try readText(gatewaysFile, what: "gateways file"))
            }
            guard !ids.isEmpty else { throw CentreError("name at least one gateway (--gateway or --gateways-file)") }
            let signer: DeviceKey
            do { signer = try DeviceKey.load(keyFile: key, role: "release key") } catch { throw CentreError("--key: \(error.message)") }
            let config: [UInt8]
            do { config = try FileSystem.readFile(file, limit: 1 << 20) } catch { throw CentreError("cannot read \(file): \(error)") }
            do { try FileSystem.makeDirectories(outputDir, mode: 0o750) } catch { throw CentreError("cannot make \(outputDir): \(error)") }
            for id in ids {
                let signed: SignedConfig
                do { signed = try SignedConfig.make(config: config, gateway: id, version: version, key: signer) } catch {
                    throw CentreError("\(id): \(error.description)")
                }
                let path = "\(outputDir)/\(id)-v\(version).json"
                do {
                    try FileSystem.writeAtomically(signed.envelope, to: path, mode: 0o644)
                    try FileSystem.writeAtomically(Array(signed.signature.utf8), to: "\(path).minisig", mode: 0o644)
                } catch { throw CentreError("cannot write \(path): \(error)") }
                print("\(path): config version \(version) for \(id), \(signed.configBytes.count) bytes, signed by \(signer.publicKey.keyIDHex)")
            }
        }
    }

    struct ConfigPublish: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Push signed configs: each gateway applies its own at its next poll.",
            discussion: """
                Checks each FILE and FILE.minisig with --key first (a config the gateways \
                would refuse is not published), then sets it as that gateway's desired \
                config, keeping the release it was offered. The gateway applies it as \
                `edgectl config apply` does — only the cameras it changes restart, and a \
                camera that does not stream rolls it back — and reports the version it \
                runs, or why it refused; `fleet status` shows it, and a technician's local \
                change as drift.
                """)

        @Option(help: "The fleet directory (as given to `serve --fleet`).")
        var fleet: String
        @Option(help: "The release public key the gateways trust (.pub file or its base64 line).")
        var key: String
        @Option(help: "How often a gateway with nothing published yet asks, in seconds (60–86400).")
        var pollSeconds = 300
        @Argument(help: "Signed configs (from `config sign`), each with its .minisig beside it.")
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one signed config") }
            guard (60...86400).contains(pollSeconds) else { throw ValidationError("--poll-seconds must be 60…86400") }
        }

        func run() throws {
            let publicKey = try releasePublicKey(key)
            let store: FleetStore
            do { store = try FleetStore(directory: fleet) } catch { throw CentreError("cannot use \(fleet): \(error)") }
            for file in files {
                let envelope: [UInt8]
                do { envelope = try FileSystem.readFile(file, limit: SignedConfig.maxEnvelopeBytes + 1) } catch {
                    throw CentreError("cannot read \(file): \(error)")
                }
                let signature = try readText("\(file).minisig", what: "signature")
                let signed: SignedConfig
                do { signed = try SignedConfig.verify(envelope: envelope, signature: signature, keys: [publicKey], gateway: nil) } catch {
                    throw CentreError("\(file): not published: \(error.description)")
                }
                do {
                    try store.publishConfig(
                        gateway: signed.gateway, version: signed.version, envelope: envelope, signature: signature, pollSeconds: pollSeconds)
                } catch { throw CentreError("cannot publish into \(fleet): \(error)") }
                print("published config version \(signed.version) for \(signed.gateway) (sha256 \(Hex.encode(SHA256.hash(signed.configBytes)).prefix(16))…)")
            }
        }
    }
}
