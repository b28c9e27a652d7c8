import ControlSocket
import EdgeJSON
import EdgeSystem
import RecorderConfig

/// The config over the control socket: what the file says now (and whether the daemon
/// runs with it), and the daemon's own validator for a config sent in the body.
extension ControlRoutes {
    func configFile() -> ControlResponse {
        guard let path = configPath else { return .error(404, "this daemon was not started from a config file") }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: ConfigLoader.sizeLimit) } catch {
            return .error(500, "cannot read \(path): \(error)")
        }
        var fields: [(String, JSONValue)] = [("path", .string(path))]
        do {
            let onDisk = try ConfigLoader.parse(bytes, source: path)
            fields.append(("running", .bool(onDisk == config)))
            // Parsed once already by the loader: this cannot fail.
            fields.append(("config", (try? JSONParser.parse(bytes)) ?? .object([])))
        } catch {
            fields.append(("running", .bool(false)))
            fields.append(("problems", .array(error.problems.map { JSONValue.string("\($0)") })))
        }
        return .json(.object(fields))
    }

    func validateConfig(_ request: ControlRequest) -> ControlResponse {
        do {
            let checked = try ConfigLoader.parse(request.body, source: "the request body")
            return .json(
                .object([
                    ("valid", .bool(true)), ("gateway", .string(checked.gateway)),
                    ("cameras", .number(String(checked.cameras.count))),
                ]))
        } catch {
            return .json(
                .object([
                    ("error", .string(error.description)),
                    ("problems", .array(error.problems.map { JSONValue.string("\($0)") })),
                ]),
                status: 422)
        }
    }
}
