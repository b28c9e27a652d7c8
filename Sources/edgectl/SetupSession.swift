#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ControlClient
import EdgeJSON
import EdgeSystem
import RecorderConfig
import V4L2Capture

/// The config `edgectl setup` edits: the daemon's own when it runs (applied through it),
/// else the file.
struct SetupSession {
    let path: String
    let daemonRuns: Bool
    let original: JSONValue
    var document: JSONValue

    static func open(configPath: String, socket: String) throws -> SetupSession {
        if let answer = try? ControlClient(socketPath: socket).get("/v1/config"), answer.status == 200,
           let json = try? JSONParser.parse(answer.body), let current = json["config"] {
            return SetupSession(path: json["path"]?.textValue ?? configPath, daemonRuns: true, original: current, document: current)
        }
        let document: JSONValue
        do { document = try JSONParser.parse(FileSystem.readFile(configPath, limit: ConfigLoader.sizeLimit, streams: true)) } catch {
            printError("cannot read \(configPath) as JSON: \(error)")
            printError("give the config file with --config FILE (the package installs /etc/edge-recorder/config.json)")
            throw ExitCode(78)
        }
        guard case .object = document else {
            printError("\(configPath) is not a JSON object: restore it from the package (apt-get install --reinstall edge-recorder)")
            throw ExitCode(78)
        }
        return SetupSession(path: configPath, daemonRuns: false, original: document, document: document)
    }

    var bytes: [UInt8] { Array((CanonicalJSON.pretty(document) + "\n").utf8) }
    var changed: Bool { document != original }
    var cameras: [JSONValue] { document["cameras"]?.arrayValue ?? [] }
    var recipients: [String] { document["recipients"]?.arrayValue?.compactMap(\.textValue) ?? [] }

    func printHeader() {
        print("EdgeRecorder setup: \(path)")
        print(daemonRuns
            ? "  the daemon runs: the config is applied through it (checked first)"
            : "  the daemon is not running: the file is written; it is read at start")
        print("gateway      \(document["gateway"]?.textValue ?? "(none)")")
        let destinations = document["uplink"]?["destinations"]?.arrayValue ?? []
        if destinations.isEmpty {
            print("destination  none: enrol first (edgectl enrol) to upload;")
            print("             recording works without it")
        }
        for d in destinations {
            print("destination  \(d["name"]?.textValue ?? "?")  \(d["url"]?.textValue ?? "?")")
        }
    }

    func printSummary(_ config: RecorderConfiguration) {
        print("gateway      \(config.gateway)")
        if cameras.isEmpty { print("cameras      none: nothing is recorded") }
        for (n, camera) in cameras.enumerated() {
            print((n == 0 ? "cameras      " : "             ") + SetupCameras.summary(camera))
        }
        for (n, r) in recipients.enumerated() { print((n == 0 ? "recipients   " : "             ") + Self.short(r)) }
        if config.destinations.isEmpty { print("destination  none (edgectl enrol)") }
        for d in config.destinations { print("destination  \(d.name)  \(d.url)") }
    }

    /// `age1abcdefgh…uvwxyz`: enough to tell keys apart, short enough for 80 columns.
    static func short(_ recipient: String) -> String {
        recipient.count > 40 ? recipient.prefix(20) + "…" + recipient.suffix(12) : recipient
    }

    // MARK: - Cameras

    mutating func chooseCameras(_ prompter: SetupPrompter, devices: [String]) throws(SetupPrompter.Ended) {
        var kept: [JSONValue] = []
        for camera in cameras {
            print("camera " + SetupCameras.summary(camera))
            if try prompter.confirm("  Keep it?", default: true) { kept.append(camera) }
        }
        let used = Set(kept.compactMap { $0["device"]?.textValue }.map { SetupCameras.resolved($0) ?? $0 })
        for device in devices where !used.contains(SetupCameras.resolved(device) ?? device) {
            if let camera = try offer(device, prompter, taken: kept, ask: true) { kept.append(camera) }
        }
        if devices.isEmpty { print("no capture devices found (is the camera plugged in?)") }
        while true {
            let answer = try prompter.ask("Another camera: a device, test-pattern, or Enter when done", long: true)
            if answer.isEmpty { break }
            if answer == "test-pattern" {
                let id = try cameraID(prompter, taken: kept)
                kept.append(SetupCameras.testPattern(id: id))
            } else if let camera = try offer(answer, prompter, taken: kept, ask: false) {
                kept.append(camera)
            }
        }
        set("cameras", .array(kept))
    }

    /// Probes `device` and, if it can be recorded, asks whether to and how.
    private func offer(_ device: String, _ prompter: SetupPrompter, taken: [JSONValue], ask: Bool) throws(SetupPrompter.Ended) -> JSONValue? {
        print(device)
        let description: DeviceDescription
        do { description = try probe(path: device) } catch {
            print("  cannot be recorded: \("\(error)".replacing("; retrying", with: ""))")
            return nil
        }
        let options = SetupCameras.options(description)
        print("  \(description.card) (\(description.driver))")
        guard !options.isEmpty else {
            print("  no format the recorder can record (edgectl cameras probe \(device))")
            return nil
        }
        if ask, !(try prompter.confirm("  Record from it?", default: true)) { return nil }
        let id = try cameraID(prompter, taken: taken)
        for (n, option) in options.enumerated() { print("  \(n + 1)  \(option.label)") }
        let choice = try prompter.choose("  Format", count: options.count, default: 1) ?? 1
        return SetupCameras.entry(id: id, device: device, option: options[choice - 1])
    }

    private func cameraID(_ prompter: SetupPrompter, taken: [JSONValue]) throws(SetupPrompter.Ended) -> String {
        let ids = Set(taken.compactMap { $0["id"]?.textValue })
        let free = (1...).lazy.map { "cam\($0)" }.first { !ids.contains($0) } ?? "cam"
        for _ in 0..<3 {
            let id = try prompter.ask("  Camera id", default: free)
            if !PlainName.isLowerCaseID(id, max: 32) {
                print("  use 1–32 of a-z, 0-9, '-' and '_', starting with a letter or digit")
            } else if ids.contains(id) {
                print("  \(id) is taken")
            } else {
                return id
            }
        }
        throw SetupPrompter.Ended()
    }

    // MARK: - Recipients

    mutating func chooseRecipients(_ prompter: SetupPrompter) throws(SetupPrompter.Ended) {
        var kept: [String] = []
        for r in recipients {
            print("recipient \(Self.short(r))")
            if try prompter.confirm("  Keep it?", default: true) { kept.append(r) }
        }
        while true {
            let answer = try prompter.ask("Add a recipient (age1…), or Enter when done", long: true)
            if answer.isEmpty {
                if kept.isEmpty && !cameras.isEmpty {
                    print("  the cameras need at least one recipient: their video is sealed to it")
                    continue
                }
                break
            }
            if let problem = Self.problem(recipient: answer) {
                for line in wrap(problem, first: "  ", indent: "  ") { print(line) }
            } else if kept.contains(answer) {
                print("  already there")
            } else if kept.count == 8 {
                print("  8 recipients at most")
            } else {
                kept.append(answer)
            }
        }
        set("recipients", .array(kept.map { .string($0) }))
    }

    /// What the validator says of one recipient, or nil when it takes it.
    static func problem(recipient: String) -> String? {
        let trial = JSONValue.object([("gateway", .string("trial")), ("recipients", .array([.string(recipient)])), ("cameras", .array([]))])
        do { _ = try ConfigLoader.parse(Array(CanonicalJSON.pretty(trial).utf8), source: nil) } catch {
            return error.problems.first { $0.field.hasPrefix("recipients") }?.message
        }
        return nil
    }

    private mutating func set(_ key: String, _ value: JSONValue) {
        guard case .object(var fields) = document else { return }
        if let i = fields.firstIndex(where: { $0.key == key }) { fields[i].value = value } else { fields.append((key, value)) }
        document = .object(fields)
    }
}
