import ControlAudit
import ControlSocket
import EdgeJSON
import EdgeSystem
import Recorder
import RecorderConfig
import Synchronization
import UpdateChannel

/// Configs the centre pushes go through the same transactional apply as `edgectl config
/// apply` (validate, write, restart only the cameras that change, roll back when one does
/// not stream within `settle`, as a technician's default), audited as `config.push` under
/// the daemon's own uid. The update channel logs the outcome.
/// Called on the update channel's thread, which waits for the apply to finish.
struct PushedConfig: ConfigTarget {
    let gateway: String
    let applier: ConfigApplier
    let audit: AuditLog
    let events: EventHub
    var settle = Duration.seconds(10)

    func currentBytes() -> [UInt8]? { try? FileSystem.readFile(applier.path, limit: ConfigLoader.sizeLimit) }

    func apply(_ bytes: [UInt8], version: UInt64) -> ConfigApplyResult {
        let peer = PeerCredentials.current
        let finished: Wakeup
        let entry: AuditEntry
        do {
            finished = try Wakeup()
            entry = try audit.begin(peer, "config.push")
        } catch {
            return .notNow(reason: "\(error); nothing was changed")
        }
        entry.note("pushedVersion", .number(String(version)))
        let done = Mutex<ControlResponse?>(nil)
        let (applier, settle) = (self.applier, self.settle)
        Task {
            let response = await applier.apply(bytes, peer: peer, audit: entry, settle: settle)
            done.withLock { $0 = response }
            finished.signal()
        }
        var answered: ControlResponse?
        while answered == nil {
            _ = finished.wait(timeout: .seconds(1))
            answered = done.withLock { $0 }
        }
        guard let response = answered else { return .notNow(reason: "no answer") }
        let answer = (try? JSONParser.parse(response.body)) ?? .object([])
        let error: String? = if case .string(let e)? = answer["error"] { e } else { nil }
        try? entry.finish(status: response.status, error: error)
        // Busy with a technician's change, or a local fault (storage): not the config's fault.
        if response.status == 409 || response.status >= 500 {
            return .notNow(reason: error ?? "status \(response.status)")
        }
        guard response.status == 200 else {
            let reason = error ?? "refused with status \(response.status)"
            if answer["rolledBack"] == nil { refused(version: version, reason: reason) }
            return .refused(reason: reason)
        }
        var detail: [String] = []
        for key in ["added", "changed", "removed", "restartRequired"] {
            if case .array(let items)? = answer[key], !items.isEmpty {
                let names = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
                detail.append("\(key == "restartRequired" ? "waiting for a restart" : key): \(names.joined(separator: ", "))")
            }
        }
        if answer["unchanged"] == .bool(true) { detail.append("the same as the running config") }
        return .applied(detail: detail.isEmpty ? "no camera changed" : detail.joined(separator: "; "))
    }

    func refused(version: UInt64, reason: String) {
        events.publish(DaemonEvent(.configRefused, [("version", .number(String(version))), ("reason", .string(reason))]))
    }
}
