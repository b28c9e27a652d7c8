import Recorder
import ControlAudit
import ControlSocket
import EdgeCore
import EdgeJSON
import EdgeSystem
import RecorderConfig
import SegmentRing
import Uplink
import Watchdog

/// The daemon's side of the control socket (`Sources/ControlSocket/openapi.yaml`): reads
/// answer from what the daemon holds in memory and never touch a camera's thread; changes
/// and snapshots are audited, each with its outcome, before they are answered (`audited`).
package struct ControlRoutes: ControlResponder {
    let roster: CameraRoster
    /// The file the daemon read its config from.
    let configPath: String?
    /// Applies config changes; nil when the daemon was not started from a file.
    let applier: ConfigApplier?
    let events: EventHub
    let metrics: RecorderMetrics
    let tracker: UplinkTracker
    let keeper: RingKeeper
    let holds: HoldBook
    let uplink: Uplink?
    let watchdog: WatchdogRunner?
    let audit: AuditLog
    let time: any TimeSource
    let started: MonotonicInstant
    let clockSynced: @Sendable () -> Bool

    package init(
        roster: CameraRoster, configPath: String?, applier: ConfigApplier?, events: EventHub, metrics: RecorderMetrics,
        tracker: UplinkTracker, keeper: RingKeeper, holds: HoldBook, uplink: Uplink?, watchdog: WatchdogRunner?,
        audit: AuditLog, time: any TimeSource, started: MonotonicInstant, clockSynced: @escaping @Sendable () -> Bool
    ) {
        self.roster = roster
        self.configPath = configPath
        self.applier = applier
        self.events = events
        self.metrics = metrics
        self.tracker = tracker
        self.keeper = keeper
        self.holds = holds
        self.uplink = uplink
        self.watchdog = watchdog
        self.audit = audit
        self.time = time
        self.started = started
        self.clockSynced = clockSynced
    }

    var config: RecorderConfiguration { roster.config }
    var cameras: [CameraService] { roster.services }

    static let routes: [(method: String, path: String)] = [
        ("GET", "/v1/status"), ("GET", "/v1/cameras"), ("GET", "/v1/segments"), ("POST", "/v1/segments/hold"),
        ("POST", "/v1/segments/release"), ("GET", "/v1/config"), ("POST", "/v1/config/validate"),
        ("POST", "/v1/config/apply"), ("GET", "/v1/config/history"), ("POST", "/v1/config/rollback"), ("GET", "/v1/events"),
        ("GET", "/metrics"), ("POST", "/v1/uplink/test"),
    ]

    /// What each change (and snapshot) is called in the audit log.
    static func auditedAction(_ request: ControlRequest) -> String? {
        switch (request.method, request.path) {
        case ("POST", "/v1/config/apply"): "config.apply"
        case ("POST", "/v1/config/rollback"): "config.rollback"
        case ("POST", "/v1/segments/hold"): "segments.hold"
        case ("POST", "/v1/segments/release"): "segments.release"
        case ("GET", _) where snapshotCamera(request.path) != nil: "cameras.snapshot"
        default: nil
        }
    }

    package func respond(to request: ControlRequest) async -> ControlResponse {
        guard let what = Self.auditedAction(request) else { return await read(request) }
        let entry: AuditEntry
        do { entry = try audit.begin(request.peer, what) } catch {
            return .error(503, "the audit log \(audit.path) cannot be written (\(error)), so nothing was done: free space or fix its permissions")
        }
        let response = await change(request, entry)
        do { try entry.finish(status: response.status, error: response.errorMessage) } catch {
            // A snapshot changed nothing: it is withheld. A change was made: the answer
            // says so, and that its audit line is missing.
            if what == "cameras.snapshot" { return .error(500, "the snapshot could not be audited (\(error)), so it is not given") }
            return response.adding("auditError", .string("done, but the audit line could not be written: \(error)"))
        }
        return response
    }

    private func change(_ request: ControlRequest, _ entry: AuditEntry) async -> ControlResponse {
        switch (request.method, request.path) {
        case ("POST", "/v1/config/apply"): return await applyConfig(request, entry)
        case ("POST", "/v1/config/rollback"): return await rollBackConfig(request, entry)
        case ("POST", "/v1/segments/hold"): return hold(request, entry)
        case ("POST", "/v1/segments/release"): return release(request, entry)
        default: return snapshot(request, camera: Self.snapshotCamera(request.path)!, entry)
        }
    }

    private func read(_ request: ControlRequest) async -> ControlResponse {
        switch (request.method, request.path) {
        case ("GET", "/v1/config/history"): return configHistory()
        case ("GET", "/v1/events"): return eventStream()
        case ("POST", "/v1/uplink/test"): return await testUplink(request)
        case ("GET", "/metrics"): return .text(metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case ("GET", "/v1/status"): return .json(status())
        case ("GET", "/v1/cameras"): return .json(.object([("cameras", .array(cameras.map(camera)))]))
        case ("GET", "/v1/segments"): return segments(request)
        case ("GET", "/v1/config"): return configFile()
        case ("POST", "/v1/config/validate"): return validateConfig(request)
        default:
            var allowed = Self.routes.filter { $0.path == request.path }.map(\.method)
            if Self.snapshotCamera(request.path) != nil { allowed = ["GET"] }
            if !allowed.isEmpty {
                var response = ControlResponse.error(405, "\(request.method) is not allowed on \(request.path); use \(allowed.joined(separator: ", "))")
                response.headers = [("Allow", allowed.joined(separator: ", "))]
                return response
            }
            return .error(404, "no such resource \(request.path); see Sources/ControlSocket/openapi.yaml (GET /v1/status, /v1/cameras, /v1/segments)")
        }
    }

    // MARK: Reads

    func status() -> JSONValue {
        let now = time.monotonicNow()
        let listing = keeper.listing()
        let held = holds.all()
        let ringBytes = listing.reduce(Int64(0)) { $0 + $1.bytes }
        let oldest = listing.filter { !$0.isGap && !$0.evicted }.min { ($0.camera, $0.sequence) < ($1.camera, $1.sequence) }
        let segmentCount = listing.count { !$0.isGap && !$0.evicted }
        let heldCount = listing.count { l in held.contains { $0.covers(camera: l.camera, sequence: l.sequence) } }
        var ring: [(String, JSONValue)] = [
            ("bytes", .number(String(ringBytes))), ("segments", .number(String(segmentCount))),
            ("held", .number(String(heldCount))), ("holds", .number(String(held.count))),
            ("evictedUnsent", .number(String(keeper.evictedUnsentCount))),
        ]
        if let free = freeBytes(at: config.stateDirectory) { ring.append(("freeBytes", .number(String(free)))) }
        if let oldest { ring.append(("oldest", .string("\(oldest.camera)/\(oldest.stem)"))) }
        let backlogs = uplink.map { UplinkTracker.backlogs($0, listing: listing, now: time.wallNow()) } ?? []
        let destinations: [JSONValue] = (uplink?.status() ?? []).map { d in
            var fields: [(String, JSONValue)] = [
                ("destination", .string(d.destination)), ("pending", .number(String(d.pending))),
                ("parked", .number(String(d.parked))), ("backingOff", .bool(d.backingOff)),
                ("rateBytesPerSecond", .number(String(tracker.rate(d.destination)))),
            ]
            if let b = backlogs.first(where: { $0.destination == d.destination }) {
                fields.append(("backlogBytes", .number(String(b.bytes))))
                if let age = b.oldestSeconds { fields.append(("oldestUnsentSeconds", .number(String(age)))) }
                if let cap = b.rateCap { fields.append(("rateCapBytesPerSecond", .number(String(cap)))) }
            }
            let seen = tracker.destination(d.destination)
            if let error = seen.lastError { fields.append(("lastError", .string(error))) }
            if let at = seen.lastErrorAt { fields.append(("lastErrorAt", .string(at.rfc3339Seconds))) }
            if let at = seen.lastUploadAt { fields.append(("lastUploadAt", .string(at.rfc3339Seconds))) }
            return .object(fields)
        }
        return .object([
            ("gateway", .string(config.gateway)), ("firmware", .string(Firmware.version)),
            ("uptimeSeconds", .number(String((now - started).nanoseconds / 1_000_000_000))),
            ("clock", .object([("synchronised", .bool(clockSynced())), ("utc", .string(time.wallNow().rfc3339Seconds))])),
            ("cameras", .array(cameras.map(camera))), ("ring", .object(ring)), ("uplink", .array(destinations)),
        ] + (watchdog.map { [("watchdog", Self.watchdog($0.snapshot))] } ?? []))
    }

    func camera(_ service: CameraService) -> JSONValue {
        let status = service.buffer.status
        let counters = service.buffer.counters
        var fields: [(String, JSONValue)] = [
            ("id", .string(service.camera.id)), ("source", .string(service.camera.source.kind)),
            ("state", .string(status.state.rawValue)), ("frames", .number(String(counters.delivered))),
            ("dropped", .number(String(counters.dropped))), ("interruptions", .number(String(counters.interruptions))),
        ]
        if let format = status.format {
            fields.append(("format", .string("\(format.codec.rawValue) \(format.size)")))
            fields.append(("fps", .number(Self.decimal(format.frameRate.perSecond, places: 2))))
        }
        if let last = status.lastFrameAt {
            let age = Double((time.monotonicNow() - last).nanoseconds) / 1e9
            fields.append(("lastFrameAgeSeconds", .number(Self.decimal(max(0, age), places: 3))))
        }
        if let failure = status.lastFailure { fields.append(("lastFailure", .string(failure))) }
        if let open = service.progress.openSegment { fields.append(("openSegment", .number(String(open)))) }
        return .object(fields)
    }

    func segments(_ request: ControlRequest) -> ControlResponse {
        let camera = request.query["camera"]
        if let camera, !cameras.contains(where: { $0.camera.id == camera }) {
            return .error(404, "no camera \"\(camera)\"; cameras: \(cameras.map(\.camera.id).joined(separator: ", "))")
        }
        let state = request.query["state"] ?? "all"
        guard ["all", "held", "unsent", "uploaded", "gap"].contains(state) else {
            return .error(400, "state \"\(state)\" is not one of: all, held, unsent, uploaded, gap")
        }
        var limit = 1000
        if let text = request.query["limit"] {
            guard let n = Int(plainDecimal: text), (1...100_000).contains(n) else {
                return .error(400, "limit \"\(text)\" must be a whole number 1…100000")
            }
            limit = n
        }
        let held = holds.all()
        let rows = keeper.listing(camera: camera).compactMap { l -> JSONValue? in
            let isHeld = held.contains { $0.covers(camera: l.camera, sequence: l.sequence) }
            let keep =
                switch state {
                case "held": isHeld
                case "unsent": !l.isGap && !l.uploaded && !l.evicted
                case "uploaded": l.uploaded
                case "gap": l.isGap
                default: true
                }
            guard keep else { return nil }
            return .object([
                ("camera", .string(l.camera)), ("sequence", .number(String(l.sequence))),
                ("kind", .string(l.isGap ? "gap" : "segment")), ("file", .string(l.stem.isEmpty ? "" : l.stem + ".mkv.age")),
                ("bytes", .number(String(l.bytes))), ("uploaded", .bool(l.uploaded)), ("evicted", .bool(l.evicted)),
                ("held", .bool(isHeld)),
            ])
        }
        return .json(.object([("segments", .array(Array(rows.suffix(limit)))), ("total", .number(String(rows.count)))]))
    }

    // MARK: Changes

    func hold(_ request: ControlRequest, _ entry: AuditEntry) -> ControlResponse {
        var body: JSONFields
        do { body = try JSONFields(request.body, allowed: ["camera", "from", "to", "reason", "by"]) } catch {
            return .error(400, error.description)
        }
        guard let camera = body.string("camera"), let from = body.sequence("from"), let reason = body.string("reason"),
            !reason.allSatisfy(\.isWhitespace)
        else {
            return .error(400, body.problem ?? "give camera, from (a segment number) and reason; to and by are optional")
        }
        let to = body.sequence("to") ?? from
        guard body.problem == nil else { return .error(400, body.problem!) }
        guard to >= from else { return .error(400, "to \(to) is before from \(from)") }
        guard cameras.contains(where: { $0.camera.id == camera }) else {
            return .error(404, "no camera \"\(camera)\"; cameras: \(cameras.map(\.camera.id).joined(separator: ", "))")
        }
        let by = body.string("by") ?? "uid \(request.peer.uid)"
        for (key, value) in [
            ("camera", JSONValue.string(camera)), ("from", .number(String(from))), ("to", .number(String(to))),
            ("reason", .string(reason)), ("by", .string(by)),
        ] { entry.note(key, value) }
        do {
            try keeper.hold(Hold(camera: camera, from: from, to: to, reason: reason, by: by, at: time.wallNow()))
        } catch let full as RingKeeper.Full {
            return .error(409, full.description)
        } catch {
            return .error(500, "the hold could not be written: \(error)")
        }
        return .json(.object([("held", .object([("camera", .string(camera)), ("from", .number(String(from))), ("to", .number(String(to)))]))]))
    }

    func release(_ request: ControlRequest, _ entry: AuditEntry) -> ControlResponse {
        var body: JSONFields
        do { body = try JSONFields(request.body, allowed: ["camera", "sequence"]) } catch {
            return .error(400, error.description)
        }
        guard let camera = body.string("camera"), let sequence = body.sequence("sequence"), body.problem == nil else {
            return .error(400, body.problem ?? "give camera and sequence (a segment number a hold covers)")
        }
        entry.note("camera", .string(camera))
        entry.note("sequence", .number(String(sequence)))
        let released: Int
        do {
            released = try holds.release(camera: camera, sequence: sequence)
        } catch {
            return .error(500, "the hold could not be removed: \(error)")
        }
        guard released > 0 else { return .error(404, "no hold covers \(camera) segment \(sequence)") }
        entry.note("released", .number(String(released)))
        return .json(.object([("released", .number(String(released)))]))
    }

    static func watchdog(_ w: WatchdogRunner.Snapshot) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("healthy", .bool(w.healthy)), ("problems", .array(w.problems.map { .string($0) })),
            ("kicks", .number(String(w.kicks))), ("systemd", .bool(w.systemd)),
        ]
        if let hardware = w.hardware { fields.append(("hardware", .string(hardware))) }
        if let degraded = w.degraded { fields.append(("degraded", .string(degraded))) }
        return .object(fields)
    }

    package static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let n = Int64((value * scale).rounded())
        let whole = n / Int64(scale), fraction = abs(n % Int64(scale))
        var digits = String(fraction)
        while digits.count < places { digits = "0" + digits }
        return "\(whole).\(digits)"
    }
}

/// A request body that must be a JSON object with known fields; the first problem is kept
/// to answer with.
package struct JSONFields {
    let fields: [String: JSONValue]
    private(set) var problem: String?

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    init(_ body: [UInt8], allowed: [String]) throws(Malformed) {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw Malformed(description: body.isEmpty ? "the body is empty: send a JSON object" : "the body is not JSON: \(error)")
        }
        guard case .object(let pairs) = value else { throw Malformed(description: "the body must be a JSON object") }
        var fields: [String: JSONValue] = [:]
        for (name, value) in pairs {
            guard allowed.contains(name) else {
                throw Malformed(description: "unknown field \"\(name)\"; fields here: \(allowed.joined(separator: ", "))")
            }
            fields[name] = value
        }
        self.fields = fields
    }

    mutating func string(_ name: String) -> String? {
        guard let value = fields[name] else { return nil }
        guard case .string(let text) = value else {
            if problem == nil { problem = "\(name) must be a string" }
            return nil
        }
        return text
    }

    mutating func sequence(_ name: String) -> UInt64? {
        guard let value = fields[name] else { return nil }
        guard case .number(let text) = value, let n = UInt64(text), n <= UInt64(Int64.max) else {
            if problem == nil { problem = "\(name) must be a segment number (a whole number ≥ 0)" }
            return nil
        }
        return n
    }
}
