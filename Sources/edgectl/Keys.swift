import ArgumentParser
import DeviceIdentity
import RecorderConfig

extension Edgectl {
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The gateway's keys.",
            subcommands: [Show.self])
    }
}

extension Edgectl.Keys {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the device's public key, which signs every manifest (works without the daemon).",
            discussion: """
                Prints the key in minisign format: give it to the centre, which checks \
                manifests with `edge-centre verify --gateway-key` or `minisign -V -P`.
                """)

        @Option(name: .long, help: ArgumentHelp("The daemon's state directory.", valueName: "DIR"))
        var stateDir: String = RecorderConfiguration.defaultStateDirectory

        @Flag(name: .long, help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let key: DeviceKey
            do {
                key = try DeviceKey.load(stateDirectory: stateDir)
            } catch {
                printError("\(error)")
                printError("the daemon makes the key on its first start; is --state-dir right?")
                throw ExitCode(1)
            }
            if json {
                print(#"{"algorithm":"Ed25519","keyId":"\#(key.publicKey.keyIDHex)","minisign":"\#(key.publicKey.base64)"}"#)
            } else {
                print(key.publicKey.fileText, terminator: "")
            }
        }
    }
}
