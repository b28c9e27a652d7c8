import ArgumentParser
import DeviceIdentity
import EdgeSystem
import EdgeCrypto
import Release

extension EdgeCentre {
    /// Firmware releases: the offline release key, signing, checking (Sources/Release/RELEASE.md).
    struct ReleaseCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Make, sign and check firmware releases for the gateways.",
            subcommands: [ReleaseKeygen.self, ReleaseSign.self, ReleaseVerify.self, ReleasePublish.self])
    }

    struct ReleaseKeygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make the release key (keep it offline) and its public key for the gateways.",
            discussion: """
                Writes FILE (Ed25519, PKCS#8 PEM, mode 0600) and FILE.pub (minisign public \
                key), never over existing files. The .pub file is installed with the \
                firmware; a later key is trusted only when a release signed with this one \
                names it (release sign --next-key).
                """)

        @Option(name: .shortAndLong, help: "Where to write the key (refused if it exists).")
        var output: String

        func run() throws {
            let publicPath = "\(output).pub"
            guard !FileSystem.exists(publicPath) else {
                throw CentreError("\(publicPath) exists; it was left as it is — choose another --output")
            }
            let key: DeviceKey
            do { key = try DeviceKey.create(keyFile: output, role: "release key") } catch {
                throw CentreError("cannot make the release key: \(error.message)")
            }
            do throws(SystemError) {
                let file = try FileDescriptor.open(publicPath, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
                try file.writeAll(Array(key.publicKey.fileText.utf8))
                try file.sync()
                try file.close()
            } catch { throw CentreError("cannot write \(publicPath): \(error)") }
            print("Release key \(key.publicKey.keyIDHex): \(output) (secret, keep offline), \(publicPath) (for the gateways)")
        }
    }

    struct ReleaseSign: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Make a signed release archive from the gateway's files.",
            discussion: """
                Each FILE is SLOT-PATH=SOURCE (bin/edge-recorderd=.build/release/edge-recorderd) \
                or a SOURCE alone, which goes to bin/ under its own name. The archive is a \
                tar file: release.json (sizes and SHA-256 of every file), its minisign \
                signature, then the files. `release verify` checks it as a gateway would.
                """)

        @Option(help: "The release key (from `release keygen`).")
        var key: String
        @Option(help: "The firmware version people read (1.4.0).")
        var version: String
        @Option(help: "The security version: never below the last release's; gateways refuse lower ones.")
        var securityVersion: UInt64
        @Option(help: "The board the release is for (as the gateways' config names it).")
        var board: String
        @Option(help: "Days until gateways refuse the release (1–3650).")
        var expiresInDays: Int = 90
        @Option(help: "A state-directory format the release reads (repeat for several).")
        var stateFormat: [Int] = [1]
        @Option(help: "A new release key (.pub) that gateways will trust once this release is installed.")
        var nextKey: String?
        @Option(name: .shortAndLong, help: "The archive to write (refused if it exists).")
        var output: String
        @Argument(help: "The files: SLOT-PATH=SOURCE, or SOURCE for bin/NAME.")
        var files: [String]

        func run() throws {
            guard (1...3650).contains(expiresInDays) else { throw CentreError("--expires-in-days: 1–3650") }
            guard !files.isEmpty else { throw CentreError("name at least one file for the release") }
            let signer: DeviceKey
            do { signer = try DeviceKey.load(keyFile: key, role: "release key") } catch {
                throw CentreError("--key: \(error.message)")
            }
            var next: MinisignPublicKey?
            if let nextKey {
                do { next = try MinisignPublicKey(parsing: try readText(nextKey, what: "next release key")) } catch {
                    throw CentreError("--next-key: \(error)")
                }
            }
            let inputs = files.map { argument -> ReleaseArchive.Input in
                if let equals = argument.firstIndex(of: "=") {
                    return .init(source: String(argument[argument.index(after: equals)...]), path: String(argument[..<equals]))
                }
                let name = argument.split(separator: "/").last.map(String.init) ?? argument
                return .init(source: argument, path: "bin/\(name)")
            }
            let now = SystemTime().wallNow()
            let description = ReleaseManifest(
                version: version, securityVersion: securityVersion, board: board, created: now,
                expires: now + .seconds(Int64(expiresInDays) * 86400), stateFormats: stateFormat, nextReleaseKey: next)
            let release: VerifiedRelease
            do { release = try ReleaseArchive.make(description, files: inputs, key: signer, output: output) } catch {
                throw CentreError(error.description)
            }
            print(ReleaseText.summary(release, path: output, signer: signer.publicKey))
        }
    }

    struct ReleaseVerify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a release archive as a gateway would, and show what it holds.",
            discussion: """
                Checks the signature against --key before reading anything it signs, then \
                expiry, board and security version when given, then every file's size and \
                SHA-256. Exit status 0 only when the release would be accepted.
                """)

        @Option(help: "The release public key (.pub file or its base64 line); repeat to trust several.")
        var key: [String]
        @Option(help: "Refuse the release unless it is for this board.")
        var board: String?
        @Option(help: "Refuse the release if its security version is below this.")
        var installedSecurityVersion: UInt64?
        @Argument(help: "The release archive.")
        var file: String

        func run() throws {
            let keys = try key.map(releasePublicKey)
            let trust = ReleaseTrust(keys: keys, board: board, installedSecurityVersion: installedSecurityVersion, now: SystemTime().wallNow())
            do {
                let release = try ReleaseReader.read(path: file, trust: trust)
                print(ReleaseText.summary(release, path: file, signer: nil))
            } catch {
                throw CentreError("\(file): refused: \(error.description)")
            }
        }
    }
}

/// A `--key` option: a release public key's `.pub` file, or its base64 line.
func releasePublicKey(_ text: String) throws -> MinisignPublicKey {
    do { return try MinisignPublicKey(parsing: FileSystem.exists(text) ? try readText(text, what: "release key") : text) } catch {
        throw CentreError("--key \(text): \(error)")
    }
}

/// What `release sign` and `release verify` print: 80 columns, one file per line.
enum ReleaseText {
    static func summary(_ release: VerifiedRelease, path: String, signer: MinisignPublicKey?) -> String {
        let m = release.manifest
        var lines = [
            "\(path): release \(m.version) for \(m.board), security version \(m.securityVersion)",
            "  created \(m.created.rfc3339Seconds), expires \(m.expires.rfc3339Seconds)",
            "  state formats \(m.stateFormats.map(String.init).joined(separator: ", ")), \(release.archiveSize) bytes",
        ]
        if let signer { lines.append("  signed by release key \(signer.keyIDHex)") }
        if let next = m.nextReleaseKey { lines.append("  names the next release key \(next.keyIDHex)") }
        for file in m.files {
            lines.append("  \(file.executable ? "x" : "-") \(String(file.size).leftPadded(10)) \(Hex.encode(file.sha256).prefix(16))  \(file.path)")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
