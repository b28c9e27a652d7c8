import ArgumentParser
import Custody
import DeviceIdentity
import EdgeSystem

extension EdgeCentre {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a gateway's chain of custody: signatures, hash chain, sequences, segment hashes.",
            discussion: """
                DIR holds one directory per camera with the manifests (*.json), their \
                signatures (*.json.minisig) and the segment files. Reports every gap the \
                gateway declared, every break, bad signature and ciphertext mismatch. \
                Exit status 0 only when the chain is intact, 1 otherwise.
                """)

        @Argument(help: "The gateway's store directory.")
        var directory: String

        @Option(help: "The gateway's minisign public key: a .pub file, or its base64 line.")
        var gatewayKey: String

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() throws {
            let keyText = FileSystem.exists(gatewayKey) ? try readText(gatewayKey, what: "gateway key") : gatewayKey
            let key: MinisignPublicKey
            do { key = try MinisignPublicKey(parsing: keyText) } catch {
                throw CentreError("--gateway-key: \(error.message)")
            }
            let report = try ChainVerifier(publicKey: key).verify(directory: directory)
            print(json ? report.jsonText : report.text, terminator: json ? "\n" : "")
            if !report.isIntact { throw ExitCode(1) }
        }
    }
}
