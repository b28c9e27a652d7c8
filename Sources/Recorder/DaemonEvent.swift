import EdgeCore
import EdgeJSON
import EdgeSystem
import Sealer
import SegmentRing
import Segmenter
import Uplink

/// Something that happened in the daemon, as the event stream (`GET /v1/events`) and the
/// metrics see it: its kind (named `segment.sealed` on the wire) and its fields.
package struct DaemonEvent: Sendable {
    /// Every kind of event, by its name in the stream (Sources/ControlSocket/openapi.yaml).
    package enum Kind: String, Sendable, CaseIterable {
        case cameraStreaming = "camera.streaming"
        case cameraLost = "camera.lost"
        case cameraCannotOpen = "camera.cannot-open"
        case cameraGap = "camera.gap"
        case segmentSealed = "segment.sealed"
        case segmentEvicted = "segment.evicted"
        case segmentUploaded = "segment.uploaded"
        case uploadConflict = "upload.conflict"
        case uploadRefused = "upload.refused"
        case uploadFailed = "upload.failed"
        case ringFull = "ring.full"
        case ringFault = "ring.fault"
        case clockStepped = "clock.stepped"
        case watchdogStuck = "watchdog.stuck"
        case watchdogHealthy = "watchdog.healthy"
        case configApplied = "config.applied"
        case configRolledBack = "config.rolled-back"
        case configRecipientsChanged = "config.recipients-changed"
        case configRefused = "config.refused"
        case updateCommitted = "update.committed"
        case updateRolledBack = "update.rolled-back"
        case streamStarted = "stream.started"
        case streamOverflow = "stream.overflow"

        /// An upload that did not go through: failed, refused or in conflict.
        package var isUploadError: Bool { self == .uploadFailed || self == .uploadRefused || self == .uploadConflict }
    }

    package var kind: Kind
    package var fields: [(String, JSONValue)]

    package init(_ kind: Kind, _ fields: [(String, JSONValue)] = []) {
        self.kind = kind
        self.fields = fields
    }

    /// The name in the event stream.
    package var name: String { kind.rawValue }

    static func number<T: BinaryInteger>(_ n: T) -> JSONValue { .number(String(n)) }

    /// The value of a string field.
    package func string(_ field: String) -> String? {
        guard case .string(let s)? = fields.first(where: { $0.0 == field })?.1 else { return nil }
        return s
    }

    /// The value of a whole-number field.
    func integer(_ field: String) -> Int64? {
        guard case .number(let s)? = fields.first(where: { $0.0 == field })?.1 else { return nil }
        return Int64(s)
    }
}

extension DaemonEvent {
    /// A camera's source: streaming, lost, or failing to open (each failure in a series).
    package init?(_ event: CaptureEvent, camera: String) {
        switch event {
        case .streaming(let format):
            self.init(.cameraStreaming, [("camera", .string(camera)), ("format", .string("\(format)"))])
        case .interrupted(let failure, _):
            self.init(.cameraLost, [("camera", .string(camera)), ("why", .string(failure.message))])
        case .openFailed(let failure, let retry):
            self.init(.cameraCannotOpen, [
                ("camera", .string(camera)), ("why", .string(failure.message)), ("retrySeconds", Self.number(Int64(retry.seconds))),
            ])
        case .frame:
            return nil
        }
    }

    /// A segment sealed, or closed early because its camera stopped delivering.
    package init?(_ event: SegmenterEvent, camera: String) {
        switch event {
        case .closed(let s, let path):
            // The Matroska bytes written, and the sealed file's (the manifest's ciphertext.size).
            let sealed: JSONValue = (try? FileSystem.size(path)).map { Self.number($0) } ?? .null
            self.init(.segmentSealed, [
                ("camera", .string(camera)), ("sequence", Self.number(s.sequence)), ("frames", Self.number(s.frames)),
                ("plaintextBytes", Self.number(s.bytes)), ("ciphertextBytes", sealed), ("reason", .string(s.reason.rawValue)),
            ])
        case .gap(let cause, let from, let to):
            self.init(.cameraGap, [
                ("camera", .string(camera)), ("cause", .string(cause.rawValue)),
                ("seconds", Self.number((to - from).nanoseconds / 1_000_000_000)),
            ])
        default:
            return nil
        }
    }

    package init(_ event: RingEvent) {
        switch event {
        case .evicted(let e):
            self.init(.segmentEvicted, [
                ("camera", .string(e.camera)), ("sequence", Self.number(e.sequence)), ("bytes", Self.number(e.bytes)),
                ("uploaded", .bool(e.wasUploaded)), ("why", .string(e.why)),
            ])
        case .full(let why):
            self.init(.ringFull, [("why", .string(why))])
        case .storageFault(let why):
            self.init(.ringFault, [("why", .string(why))])
        }
    }

    package init?(_ event: UplinkEvent) {
        switch event {
        case .uploaded(_, let item, _, _) where item.kind == .checkpoint:
            return nil  // not a segment: no event, no count in the uplink's figures
        case .uploaded(let destination, let item, let bytes, let duplicate):
            self.init(.segmentUploaded, [
                ("destination", .string(destination)), ("camera", .string(item.camera)),
                ("sequence", Self.number(item.sequence)), ("bytes", Self.number(bytes)), ("duplicate", .bool(duplicate)),
            ])
        case .conflict(let destination, let item, let message):
            self.init(.uploadConflict, [
                ("destination", .string(destination)), ("camera", .string(item.camera)),
                ("sequence", Self.number(item.sequence)), ("why", .string(message)),
            ])
        case .rejected(let destination, let item, let status, let message):
            self.init(.uploadRefused, [
                ("destination", .string(destination)), ("camera", .string(item.camera)),
                ("sequence", Self.number(item.sequence)), ("status", Self.number(status)), ("why", .string(message)),
            ])
        case .backingOff(let destination, let error, let delay):
            self.init(.uploadFailed, [
                ("destination", .string(destination)), ("why", .string("\(error)")),
                ("retrySeconds", Self.number(Int64(delay.seconds))),
            ])
        case .progress:
            return nil
        }
    }
}
