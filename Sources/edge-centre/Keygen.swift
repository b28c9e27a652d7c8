import AgeEncryption
import ArgumentParser
import EdgeSystem

extension EdgeCentre {
    /// `age-keygen`'s job, in its file format, so `age -d -i FILE` reads our keys.
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an X25519 identity (age key file) for decrypting segments.",
            discussion: """
                Writes the identity in age's key-file format (mode 0600) and prints its \
                public recipient (age1…), which goes into every gateway's config. An \
                existing file is never overwritten. Without --output the key file goes \
                to standard output and the recipient to standard error.
                """)

        @Option(name: .shortAndLong, help: "Where to write the key file (refused if it exists).")
        var output: String?

        func run() throws {
            let identity = try AgeIdentity.generate()
            let text = identity.keyFile(created: Int64(time(nil)))
            guard let output else {
                print(text, terminator: "")
                printError("Public key: \(identity.recipient.encoded)")
                return
            }
            do throws(SystemError) {
                // O_EXCL: a key that decrypts evidence is never replaced by accident.
                let file = try FileDescriptor.open(output, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
                try file.writeAll(Array(text.utf8))
                try file.sync()
                try file.close()
            } catch {
                let hint = error.code == EEXIST ? "; it was left as it is — choose another --output" : ""
                throw CentreError("cannot write the key file: \(error)\(hint)")
            }
            print("Public key: \(identity.recipient.encoded)")
        }
    }
}

/// An error for the operator: printed as is, exit status 1.
struct CentreError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes a line to standard error (Swift 6 cannot touch the C global `stderr`).
func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
}
