import Recorder
import ControlAudit
import ControlSocket
import EdgeJSON
import EdgeSystem
import RecorderConfig

/// The config over the control socket: what the file says now (and whether the daemon
/// runs with it), the daemon's own validator for a config sent in the body, apply, the
/// history of applied versions and rollback to one of them.
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
            let pending = ConfigChanges(from: config, to: onDisk).restartRequired
            if !pending.isEmpty { fields.append(("restartRequired", .array(pending.map { .string($0) }))) }
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

    func applyConfig(_ request: ControlRequest, _ entry: AuditEntry) async -> ControlResponse {
        guard let applier else { return .error(409, "this daemon was not started from a config file; there is nothing to apply to") }
        var settle = 10
        if let text = request.query["settleSeconds"] {
            guard let n = Int(plainDecimal: text), (0...120).contains(n) else {
                return .error(400, "settleSeconds \"\(text)\" must be a whole number 0…120 (0: do not wait for new cameras)")
            }
            settle = n
        }
        return await applier.apply(request.body, peer: request.peer, audit: entry, settle: .seconds(settle))
    }

    func configHistory() -> ControlResponse {
        guard let applier else { return .error(404, "this daemon was not started from a config file") }
        let current = try? FileSystem.readFile(applier.path, limit: ConfigLoader.sizeLimit)
        let versions: [JSONValue] = applier.history.versions().reversed().map { version in
            let bytes = try? applier.history.read(version)
            var fields: [(String, JSONValue)] = [
                ("version", .number(String(version.number))), ("savedAt", .string(version.savedAt)),
                ("current", .bool(bytes != nil && bytes == current)),
            ]
            if let bytes, let config = try? ConfigLoader.parse(bytes) {
                fields.append(("cameras", .array(config.cameras.map { .string($0.id) })))
            }
            return .object(fields)
        }
        return .json(.object([("versions", .array(versions)), ("keep", .number(String(applier.history.keep)))]))
    }

    func rollBackConfig(_ request: ControlRequest, _ entry: AuditEntry) async -> ControlResponse {
        guard let applier else { return .error(409, "this daemon was not started from a config file; there is nothing to roll back") }
        var body: JSONFields
        do {
            body = try JSONFields(request.body.isEmpty ? Array("{}".utf8) : request.body, allowed: ["version"])
        } catch {
            return .error(400, error.description)
        }
        let number = body.sequence("version")
        if body.problem != nil { return .error(400, "version must be a whole number ≥ 1 (see GET /v1/config/history)") }
        let versions = applier.history.versions()
        let current = try? FileSystem.readFile(applier.path, limit: ConfigLoader.sizeLimit)
        let target: ConfigHistory.Version?
        if let number {
            target = versions.first { UInt64($0.number) == number }
            guard target != nil else {
                return .error(404, "no config version \(number); kept: \(versions.map { String($0.number) }.joined(separator: ", "))")
            }
        } else {
            // The newest version that is not the config in force.
            target = versions.last { (try? applier.history.read($0)) != current }
            guard target != nil else { return .error(404, "no earlier config version is kept; see GET /v1/config/history") }
        }
        let bytes: [UInt8]
        do { bytes = try applier.history.read(target!) } catch {
            return .error(500, "cannot read config version \(target!.number): \(error)")
        }
        entry.note("to", .number(String(target!.number)))
        return await applier.apply(bytes, peer: request.peer, audit: entry, settle: .seconds(10))
    }
}
