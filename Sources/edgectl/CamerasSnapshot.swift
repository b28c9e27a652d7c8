import ArgumentParser
import EdgeSystem

extension Edgectl.Cameras {
    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save a camera's newest frame as JPEG, for aiming it (asks the daemon; audited).",
            discussion: "Copy the file off the box (scp) or open it on a screen; nothing is drawn on the terminal.")

        @OptionGroup var connection: SocketOption
        @Option(name: .long, help: "The camera id.") var camera: String
        @Option(name: .long, help: ArgumentHelp("Where to write the JPEG.", valueName: "FILE")) var output: String

        /// The control socket's path for a camera's newest frame as JPEG.
        static func path(camera: String) -> String { "/v1/cameras/\(Edgectl.Segments.List.percentEncoded(camera))/snapshot" }

        func run() throws {
            let (bytes, type) = try connection.getBytes(Self.path(camera: camera))
            guard type == "image/jpeg" else {
                printError("edge-recorderd answered \(type ?? "no content type"), not a JPEG")
                throw ExitCode(1)
            }
            do {
                let fd = try FileDescriptor.open(output, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
                try fd.writeAll(bytes)
                try fd.close()
            } catch {
                printError("cannot write \(output): \(error)")
                throw ExitCode(1)
            }
            print("\(output): \(bytes.count) bytes, camera \(camera)")
        }
    }
}
