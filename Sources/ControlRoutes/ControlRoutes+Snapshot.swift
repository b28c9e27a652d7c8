import Recorder
import ControlAudit
import ControlSocket
import EdgeCore
import EdgeJSON

/// A live picture for aiming a camera: the newest frame as JPEG. Every snapshot is in the
/// audit log (who looked through which camera, when).
extension ControlRoutes {
    /// `/v1/cameras/{id}/snapshot` → the camera id, or nil for another path.
    static func snapshotCamera(_ path: String) -> String? {
        let prefix = "/v1/cameras/", suffix = "/snapshot"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else { return nil }
        return String(path.dropFirst(prefix.count).dropLast(suffix.count))
    }

    func snapshot(_ request: ControlRequest, camera id: String, _ entry: AuditEntry) -> ControlResponse {
        entry.note("camera", .string(id))
        guard let service = cameras.first(where: { $0.camera.id == id }) else {
            return .error(404, "no camera \"\(id)\"; cameras: \(cameras.map(\.camera.id).joined(separator: ", "))")
        }
        let status = service.buffer.status
        guard status.state == .streaming, let frame = status.latestFrame else {
            return .error(409, "camera \(id) is \(status.state.rawValue), not streaming: no picture to show\(status.lastFailure.map { " (\($0))" } ?? "")")
        }
        guard frame.codec == .mjpeg else {
            return .error(409, "camera \(id) delivers \(frame.codec.rawValue), which the gateway does not decode; a snapshot needs a JPEG camera")
        }
        return ControlResponse(status: 200, contentType: "image/jpeg", body: frame.bytes)
    }
}
