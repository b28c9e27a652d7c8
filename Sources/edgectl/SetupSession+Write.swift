#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ControlClient
import EdgeJSON
import EdgeSystem

extension SetupSession {
    /// Through the daemon (checked, applied, rolled back if a camera fails) when it runs,
    /// else into the file, atomically.
    func write(_ connection: SocketOption) throws {
        if daemonRuns {
            let (_, applied) = try connection.postRaw("/v1/config/apply", bytes)
            ConfigChangeText.print(applied, verb: "applied")
            return
        }
        do { try FileSystem.writeAtomically(bytes, to: path) } catch {
            printError("cannot write \(path): \(error)")
            throw ExitCode(1)
        }
        print("\(path) written; valid")
        print("the daemon reads it when it starts: systemctl restart edge-recorder")
    }

    /// A snapshot of each camera to check its aim, taken again until the technician is
    /// satisfied. Without the daemon, says how to take one later.
    func aim(_ prompter: SetupPrompter, cameras: [String], directory: String, connection: SocketOption) throws {
        guard !cameras.isEmpty else { return }
        guard daemonRuns else {
            print("once the daemon runs, check each camera's aim with a snapshot:")
            for id in cameras { print("  edgectl cameras snapshot --camera \(id) --output \(directory)/\(id).jpg") }
            return
        }
        for id in cameras {
            let file = "\(directory)/edge-setup-\(id).jpg"
            while true {
                guard let size = Self.snapshot(id, to: file, socket: connection.socket) else {
                    print("\(id): no picture yet; check later: edgectl cameras snapshot --camera \(id) --output FILE")
                    break
                }
                print("\(id): snapshot \(file) (\(size) bytes)")
                print("  copy it off to look at it (scp), or open it on a screen")
                if try prompter.confirm("  Is \(id) aimed right?", default: true) { break }
                _ = try prompter.ask("  adjust the camera, then Enter for another snapshot")
            }
        }
    }

    /// The camera's newest frame as JPEG in `file`; a camera just started has none for a
    /// moment, so this asks for up to 10 s. Nil when none came.
    static func snapshot(_ camera: String, to file: String, socket: String) -> Int? {
        let path = Edgectl.Cameras.Snapshot.path(camera: camera)
        for attempt in 0..<10 {
            if attempt > 0 { sleep(1) }
            guard let answer = try? ControlClient(socketPath: socket).get(path), answer.status == 200,
                  answer.header("content-type") == "image/jpeg"
            else { continue }
            do {
                try FileSystem.writeAtomically(answer.body, to: file, mode: 0o640)
                return answer.body.count
            } catch {
                printError("cannot write \(file): \(error)")
                return nil
            }
        }
        return nil
    }
}
