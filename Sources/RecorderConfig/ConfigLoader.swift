import AgeKeys
import EdgeCore
import EdgeJSON
import EdgeSystem

/// Reads and validates a config. The daemon and `edgectl config --offline` share it, so
/// a config that passes here is one the daemon accepts.
public enum ConfigLoader {
    public static let sizeLimit = 1 << 20

    /// Loads the file at `path`. Every problem is reported, with the field and the fix.
    public static func load(path: String) throws(ConfigError) -> RecorderConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path, limit: sizeLimit)
        } catch {
            let fix =
                switch error.code {
                case ENOENT: "check the path, or create it from Board/config.example.json"
                case EACCES: "run as root or make it readable"
                case EFBIG: "a config is at most 1 MiB"
                case EINVAL: "it is a FIFO, a device or a directory: give the path of a config file"
                default: "check the file"
                }
            throw ConfigError(source: path, problems: [ConfigProblem(field: "", message: "cannot read it: \(error.reason); \(fix)")])
        }
        return try parse(bytes, source: path)
    }

    public static func parse(_ bytes: [UInt8], source: String? = nil) throws(ConfigError) -> RecorderConfiguration {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ConfigError(source: source, problems: [ConfigProblem(field: "", message: "not valid JSON: \(error)")])
        }
        let reader = FieldReader()
        let config = read(document, reader)
        if let config, reader.problems.isEmpty { return config }
        throw ConfigError(source: source, problems: reader.problems)
    }

    static let topFields = ["gateway", "stateDirectory", "recipients", "segmentSeconds", "fsyncSeconds", "cameras", "storage", "uplink", "control", "watchdog"]
    static let destinationFields = ["name", "url", "caFile", "certFile", "keyFile", "pinnedKey", "rateBytesPerSecond", "windows", "concurrency", "connectSeconds", "stallSeconds"]
    static let storageFields = ["maxMiB", "cameraMaxMiB", "maxAgeHours", "minFreeMiB", "whenFull", "holdMaxMiB"]
    static let cameraFields = ["id", "source", "segmentSeconds", "width", "height", "fps", "jpegQuality", "path", "codec", "device", "pixelFormat", "stallSeconds"]
    static let segmentRange = 2...300

    private static func read(_ document: JSONValue, _ r: FieldReader) -> RecorderConfiguration? {
        guard let top = r.object(document, at: "", allowed: topFields) else { return nil }
        let gateway = r.string(top, "gateway", at: "")
        if let gateway, !PlainName.isLowerCaseID(gateway, max: 64) {
            r.problem("gateway", "\"\(gateway)\" is not a usable name: use 1–64 of a-z, 0-9, '-' and '_', starting with a letter or digit")
        }
        let state = r.string(top, "stateDirectory", at: "", required: false) ?? RecorderConfiguration.defaultStateDirectory
        if !state.hasPrefix("/") { r.problem("stateDirectory", "\"\(state)\" is relative: give an absolute path") }
        let segment = r.integer(top, "segmentSeconds", at: "", range: segmentRange, required: false) ?? 10
        let fsync = r.integer(top, "fsyncSeconds", at: "", range: 1...60, required: false) ?? 2
        // A gateway with no cameras (a fresh install) records nothing, so it needs no recipients yet.
        let unconfigured = top["cameras"] == .array([])
        let recipients = unconfigured && top["recipients"] == nil ? [] : readRecipients(top, r)
        let storage = top["storage"].map { readStorage($0, r) } ?? StorageLimits()
        let destinations = top["uplink"].map { readUplink($0, r) } ?? []
        let control = top["control"].map { readControl($0, r) } ?? ControlConfiguration()
        let watchdog = top["watchdog"].map { readWatchdog($0, r) } ?? WatchdogConfiguration()
        var cameras: [CameraConfiguration] = []
        if let items = r.array(top, "cameras", at: "") {
            if items.count > 16 { r.problem("cameras", "\(items.count) cameras: a gateway records at most 16") }
            var seen: [String: Int] = [:]
            for (n, item) in items.enumerated() {
                let path = "cameras[\(n)]"
                guard let camera = readCamera(item, at: path, r) else { continue }
                if let first = seen[camera.id] {
                    r.problem("\(path).id", "\"\(camera.id)\" is already used by cameras[\(first)]; camera ids must be unique")
                    continue
                }
                seen[camera.id] = n
                cameras.append(camera)
            }
        }
        guard let gateway else { return nil }
        var config = RecorderConfiguration(
            gateway: gateway, stateDirectory: state, recipients: recipients, segmentSeconds: segment,
            fsyncSeconds: fsync, cameras: cameras, storage: storage)
        config.destinations = destinations
        config.control = control
        config.watchdog = watchdog
        return config
    }

    /// `"watchdog": {"device": "/dev/watchdog", "timeoutSeconds": 15, "stuckSeconds": 20}`.
    private static func readWatchdog(_ value: JSONValue, _ r: FieldReader) -> WatchdogConfiguration {
        var watchdog = WatchdogConfiguration()
        guard let m = r.object(value, at: "watchdog", allowed: ["device", "timeoutSeconds", "stuckSeconds"]) else { return watchdog }
        if let device = r.string(m, "device", at: "watchdog", required: false) {
            if !device.hasPrefix("/") { r.problem("watchdog.device", "\"\(device)\" is relative: give the device's path, e.g. /dev/watchdog") }
            watchdog.device = device
        }
        watchdog.timeoutSeconds = r.integer(m, "timeoutSeconds", at: "watchdog", range: 2...600, required: false) ?? 15
        watchdog.stuckSeconds = r.integer(m, "stuckSeconds", at: "watchdog", range: 3...600, required: false) ?? 20
        return watchdog
    }

    /// `"control": {"socket": "/run/edge-recorder/control.sock", "group": "edge-admin", "metricsListen": "10.0.0.5:9101"}`.
    private static func readControl(_ value: JSONValue, _ r: FieldReader) -> ControlConfiguration {
        var control = ControlConfiguration()
        guard let m = r.object(value, at: "control", allowed: ["socket", "group", "metricsListen"]) else { return control }
        if let listen = r.string(m, "metricsListen", at: "control", required: false) {
            let colon = listen.lastIndex(of: ":")
            let port = colon.flatMap { Int(listen[listen.index(after: $0)...]) }
            if let colon, let port, (1...65535).contains(port), colon != listen.startIndex {
                control.metricsListen = listen
            } else {
                r.problem("control.metricsListen", "\"\(listen)\" is not host:port (for example 127.0.0.1:9101 or [::1]:9101)")
            }
        }
        if let socket = r.string(m, "socket", at: "control", required: false) {
            if !socket.hasPrefix("/") {
                r.problem("control.socket", "\"\(socket)\" is relative: give an absolute path")
            } else if socket.utf8.count > 107 {
                r.problem("control.socket", "the path is \(socket.utf8.count) bytes; a Unix socket path is at most 107")
            }
            control.socket = socket
        }
        if let group = r.string(m, "group", at: "control", required: false) {
            if !PlainName.isLowerCaseID(group, max: 32) { r.problem("control.group", "\"\(group)\" is not a usable group name") }
            control.group = group
        }
        return control
    }

    /// `"uplink": {"destinations": [...]}`: where the ring is uploaded.
    private static func readUplink(_ value: JSONValue, _ r: FieldReader) -> [DestinationConfiguration] {
        guard let top = r.object(value, at: "uplink", allowed: ["destinations"]), let items = r.array(top, "destinations", at: "uplink") else { return [] }
        var out: [DestinationConfiguration] = []
        for (n, item) in items.enumerated() {
            let path = "uplink.destinations[\(n)]"
            guard let m = r.object(item, at: path, allowed: destinationFields) else { continue }
            let name = r.string(m, "name", at: path)
            if let name, !PlainName.isLowerCaseID(name, max: 32) || name.contains("_") {
                r.problem("\(path).name", "\"\(name)\" is not usable: 1–32 of a-z, 0-9 and '-' (it names acknowledgement files)")
            }
            let url = r.string(m, "url", at: path)
            if let url, !url.hasPrefix("https://") { r.problem("\(path).url", "\"\(url)\" must start with https:// (uploads are mutual TLS)") }
            let files = ["caFile", "certFile", "keyFile"].map { key -> String? in
                let f = r.string(m, key, at: path)
                if let f, !f.hasPrefix("/") { r.problem("\(path).\(key)", "\"\(f)\" is relative: give an absolute path") }
                return f
            }
            let pin = r.string(m, "pinnedKey", at: path, required: false)
            if let pin, !pin.hasPrefix("sha256//") { r.problem("\(path).pinnedKey", "must look like sha256//<base64 of the key's SHA-256>") }
            let rate = r.integer(m, "rateBytesPerSecond", at: path, range: 1024...(1 << 34), required: false)
            var windows: [String] = []
            if m["windows"] != nil, let list = r.array(m, "windows", at: path) {
                for (k, w) in list.enumerated() {
                    guard case .string(let text) = w, DestinationConfiguration.window(text) != nil else {
                        r.problem("\(path).windows[\(k)]", "expected a daily window like \"22:00-06:00\" (UTC)")
                        continue
                    }
                    windows.append(text)
                }
            }
            let concurrency = r.integer(m, "concurrency", at: path, range: 1...8, required: false) ?? 1
            let connect = r.integer(m, "connectSeconds", at: path, range: 1...300, required: false) ?? 30
            let stall = r.integer(m, "stallSeconds", at: path, range: 5...600, required: false) ?? 60
            guard let name, let url, let ca = files[0], let cert = files[1], let key = files[2] else { continue }
            if out.contains(where: { $0.name == name }) { r.problem("\(path).name", "\"\(name)\" is already used; destination names must differ") }
            out.append(DestinationConfiguration(
                name: name, url: url, caFile: ca, certFile: cert, keyFile: key, pinnedKey: pin, rateBytesPerSecond: rate,
                windows: windows, concurrency: concurrency, connectSeconds: connect, stallSeconds: stall))
        }
        return out
    }

    private static func readStorage(_ value: JSONValue, _ r: FieldReader) -> StorageLimits {
        guard let m = r.object(value, at: "storage", allowed: storageFields) else { return StorageLimits() }
        let defaults = StorageLimits()
        let mib = 0...(16 << 20)
        let limits = StorageLimits(
            maxMiB: r.integer(m, "maxMiB", at: "storage", range: mib, required: false) ?? defaults.maxMiB,
            cameraMaxMiB: r.integer(m, "cameraMaxMiB", at: "storage", range: mib, required: false) ?? defaults.cameraMaxMiB,
            maxAgeHours: r.integer(m, "maxAgeHours", at: "storage", range: 0...87600, required: false) ?? defaults.maxAgeHours,
            minFreeMiB: r.integer(m, "minFreeMiB", at: "storage", range: 0...(1 << 20), required: false) ?? defaults.minFreeMiB,
            whenFull: r.choice(m, "whenFull", at: "storage", among: StorageLimits.WhenFull.allCases.map(\.rawValue), required: false)
                .flatMap(StorageLimits.WhenFull.init(rawValue:)) ?? defaults.whenFull,
            holdMaxMiB: 0)
        var limitsWithHold = limits
        // Unless given, held evidence may take half of a bounded ring, up to the default.
        limitsWithHold.holdMaxMiB = r.integer(m, "holdMaxMiB", at: "storage", range: 0...(16 << 20), required: false)
            ?? (limits.maxMiB > 0 ? min(defaults.holdMaxMiB, limits.maxMiB / 2) : defaults.holdMaxMiB)
        if limits.maxMiB > 0 && limits.cameraMaxMiB > limits.maxMiB {
            r.problem("storage.cameraMaxMiB", "\(limits.cameraMaxMiB) is more than storage.maxMiB (\(limits.maxMiB)): a camera cannot have more than the whole ring")
        }
        if limits.maxMiB > 0 && limitsWithHold.holdMaxMiB > limits.maxMiB {
            r.problem("storage.holdMaxMiB", "\(limitsWithHold.holdMaxMiB) is more than storage.maxMiB (\(limits.maxMiB)): held evidence lives inside the ring")
        }
        return limitsWithHold
    }

    /// The centre's age public keys every segment is sealed to: 1 to 8 `age1…` strings.
    private static func readRecipients(_ top: [String: JSONValue], _ r: FieldReader) -> [AgeRecipient] {
        guard let items = r.array(top, "recipients", at: "") else { return [] }
        if items.isEmpty || items.count > 8 {
            r.problem("recipients", "\(items.count) recipients: give 1 to 8 age public keys (age1…), e.g. from `edge-centre keygen`")
        }
        var out: [AgeRecipient] = []
        for (n, item) in items.enumerated() {
            guard case .string(let text) = item else {
                r.problem("recipients[\(n)]", "expected a string, found \(item.typeName)")
                continue
            }
            do {
                out.append(try AgeRecipient(parsing: text))
            } catch {
                r.problem("recipients[\(n)]", recipientProblem(text, error))
            }
        }
        return out
    }

    /// What is wrong with a recipient, quoting its start; a secret key pasted by mistake
    /// is never quoted, since config problems end up in logs.
    private static func recipientProblem(_ text: String, _ error: AgeError) -> String {
        if text.uppercased().hasPrefix("AGE-SECRET-KEY-") {
            return "this is an age secret key, not a public key: give the age1… recipient it belongs to "
                + "(`age-keygen -y` prints it), and keep the secret key off the gateway"
        }
        let shown = text.count > 20 ? text.prefix(20) + "…" : Substring(text)
        return "\"\(shown)\" is not an age public key (\(error.message)): copy the age1… line `edge-centre keygen` printed"
    }

    private static func readCamera(_ item: JSONValue, at path: String, _ r: FieldReader) -> CameraConfiguration? {
        guard let m = r.object(item, at: path, allowed: cameraFields) else { return nil }
        let id = r.string(m, "id", at: path)
        if let id, !PlainName.isLowerCaseID(id, max: 32) {
            r.problem("\(path).id", "\"\(id)\" is not a usable camera id: use 1–32 of a-z, 0-9, '-' and '_', starting with a letter or digit")
        }
        let kind = r.choice(m, "source", at: path, among: ["test-pattern", "file", "v4l2"])
        let segment = r.integer(m, "segmentSeconds", at: path, range: segmentRange, required: false)
        let allowedFor: [String: [String]] = [
            "test-pattern": ["width", "height", "fps", "jpegQuality"],
            "file": ["path", "codec", "fps"],
            "v4l2": ["device", "width", "height", "fps", "pixelFormat", "jpegQuality", "stallSeconds"],
        ]
        if let kind {
            let common = ["id", "source", "segmentSeconds"]
            for key in m.keys.sorted() where !common.contains(key) && !allowedFor[kind]!.contains(key) {
                r.problem("\(path).\(key)", "does not apply to a \"\(kind)\" source; it takes: \(allowedFor[kind]!.joined(separator: ", "))")
            }
        }
        let source: SourceConfiguration?
        switch kind {
        case "test-pattern":
            let w = r.integer(m, "width", at: path, range: 16...3840, required: false) ?? 640
            let h = r.integer(m, "height", at: path, range: 16...2160, required: false) ?? 480
            if w % 2 != 0 { r.problem("\(path).width", "\(w) is odd: the test pattern needs an even width") }
            if h % 2 != 0 { r.problem("\(path).height", "\(h) is odd: the test pattern needs an even height") }
            let fps = r.integer(m, "fps", at: path, range: 1...120, required: false) ?? 25
            let q = r.integer(m, "jpegQuality", at: path, range: 1...100, required: false) ?? 80
            source = .testPattern(size: FrameSize(width: w, height: h), fps: fps, jpegQuality: q)
        case "file":
            let file = r.string(m, "path", at: path)
            if let file, !file.hasPrefix("/") { r.problem("\(path).path", "\"\(file)\" is relative: give an absolute path") }
            let codec = r.choice(m, "codec", at: path, among: VideoCodec.allCases.map(\.rawValue)).flatMap(VideoCodec.init(rawValue:))
            let fps = r.integer(m, "fps", at: path, range: 1...120, required: false) ?? 25
            source = file.flatMap { f in codec.map { .file(path: f, codec: $0, fps: fps) } }
        case "v4l2":
            let device = r.string(m, "device", at: path)
            if let device, !device.hasPrefix("/dev/") {
                r.problem("\(path).device", "\"\(device)\" is not a device path: use /dev/videoN or a /dev/v4l/by-id/… name")
            }
            let w = r.integer(m, "width", at: path, range: 16...7680, required: false)
            let h = r.integer(m, "height", at: path, range: 16...4320, required: false)
            // Judged on what was written, so a bad width is not also reported as a missing one.
            if (m["width"] == nil) != (m["height"] == nil) {
                r.problem(path, "give width and height together, or neither to take the device's default")
            }
            let fps = r.integer(m, "fps", at: path, range: 1...120, required: false)
            let fourcc = r.string(m, "pixelFormat", at: path, required: false)
            if let fourcc, fourcc.utf8.count != 4 || !fourcc.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
                r.problem("\(path).pixelFormat", "\"\(fourcc)\" is not a FourCC: use four characters such as MJPG, H264, YUYV, NV12, GREY")
            }
            let q = r.integer(m, "jpegQuality", at: path, range: 1...100, required: false) ?? 80
            let stall = r.integer(m, "stallSeconds", at: path, range: 1...60, required: false) ?? 5
            let size = w.flatMap { w in h.map { FrameSize(width: w, height: $0) } }
            source = device.map { .v4l2(V4L2Settings(device: $0, size: size, fps: fps, pixelFormat: fourcc, jpegQuality: q, stallSeconds: stall)) }
        default:
            source = nil
        }
        guard let id, let source else { return nil }
        return CameraConfiguration(id: id, source: source, segmentSeconds: segment)
    }

}
