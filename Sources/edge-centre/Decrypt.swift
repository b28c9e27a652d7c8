import AgeEncryption
import ArgumentParser
import EdgeSystem

extension EdgeCentre {
    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a segment (.mkv.age), or salvage what a truncated one holds.",
            discussion: """
                The output appears under its final name only when decryption ends as \
                asked: it is written to OUTPUT.partial and renamed at the end. With \
                --salvage, a truncated file yields its authenticated prefix (the footage \
                up to the last complete 64 KiB chunk) and the exit status is 2.
                """)

        @Option(name: .shortAndLong, help: "An age key file (AGE-SECRET-KEY-1… lines), as keygen writes.")
        var identity: String

        @Flag(help: "Keep the authenticated prefix of a truncated file instead of failing.")
        var salvage = false

        @Argument(help: "The encrypted segment.")
        var input: String

        @Option(name: .shortAndLong, help: "Where to write the plaintext (default: INPUT without .age).")
        var output: String?

        func validate() throws {
            if output == nil && !input.hasSuffix(".age") {
                throw ValidationError("\(input) does not end in .age: name the plaintext file with --output")
            }
        }

        func run() throws {
            let keyText = try readText(identity, what: "identity file")
            let identities = try AgeIdentity.parseKeyFile(keyText)
            let destination = output ?? String(input.dropLast(4))
            let partial = destination + ".partial"
            let result: AgeDecryptionResult
            let source: FileDescriptor
            let sink: FileDescriptor
            do {
                source = try FileDescriptor.open(input, O_RDONLY)
                // A new file of our own or nothing: never through a symlink planted at
                // OUT.partial, never over another run's partial output.
                sink = try FileDescriptor.open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            } catch {
                let hint =
                    error.code == EEXIST
                    ? ": it exists (another decryption, or one that was stopped, left it; or a link planted there): check it and remove it"
                    : ""
                throw CentreError("cannot decrypt \(input): \(error)\(hint)")
            }
            do {
                result = try AgeReader(identities: identities).decrypt(
                    from: FileDescriptorByteSource(fileDescriptor: source.rawValue), salvage: salvage
                ) { chunk in try sink.writeAll(chunk) }
                try sink.sync()
                try sink.close()
                try source.close()
                try FileSystem.rename(partial, to: destination)
            } catch {
                try? FileSystem.remove(partial)
                let truncated = (error as? AgeError)?.code == .payload && !salvage
                let hint = truncated ? "; if the file was cut short, --salvage keeps its authenticated prefix" : ""
                throw CentreError("cannot decrypt \(input): \(error)\(hint)")
            }
            guard result.isComplete else {
                print("partial: \(result.plaintextBytes) bytes of authenticated plaintext (file truncated)")
                print("wrote \(destination)")
                throw ExitCode(2)
            }
            print("decrypted \(result.plaintextBytes) bytes to \(destination)")
        }
    }
}

/// A small text file (a key), or an error that names it.
func readText(_ path: String, what: String) throws -> String {
    do { return String(decoding: try FileSystem.readFile(path, limit: 1 << 20), as: UTF8.self) } catch {
        throw CentreError("cannot read the \(what): \(error)")
    }
}
