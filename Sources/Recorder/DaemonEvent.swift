import EdgeCore
import EdgeJSON
import EdgeSystem
import Sealer
import SegmentRing
import Segmenter
import Uplink

/// Something that happened in the daemon, as the event stream (`GET /v1/events`) and the
/// metrics see it: a name such as `segment.sealed` and its fields.
public struct DaemonEvent: Sendable {
    public var name: String
    public var fields: [(String, JSONValue)]

    public init(_ name: String, _ fields: [(String, JSONValue)] = []) {
        self.name = name
        self.fields = fields
    }

    package static func number<T: BinaryInteger>(_ n: T) -> JSONValue { .number(String(n)) }

    /// The value of a string field.
    package func string(_ field: String) -> String? {
        guard case .string(let s)? = fields.first(where: { $0.0 == field })?.1 else { return nil }
        return s
    }

    /// The value of a whole-number field.
    package func integer(_ field: String) -> Int64? {
        guard case .number(let s)? = fields.first(where: { $0.0 == field })?.1 else { return nil }
        return Int64(s)
    }
}

extension DaemonEvent {
    /// A camera's source: streaming, lost, or failing to open (each failure in a series).
    package init?(_ event: CaptureEvent, camera: String) {
        switch event {
        case .streaming(let format):
            self.init("camera.streaming", [("camera", .string(camera)), ("format", .string("\(format)"))])
        case .interrupted(let failure, _):
            self.init("camera.lost", [("camera", .string(camera)), ("why", .string(failure.message))])
        case .openFailed(let failure, let retry):
            self.init("camera.cannot-open", [
                ("camera", .string(camera)), ("why", .string(failure.message)), ("retrySeconds", Self.number(Int64(retry.seconds))),
            ])
        case .frame:
            return nil
        }
    }

    /// A segment sealed, or closed early because its camera stopped delivering.
    package init?(_ event: SegmenterEvent, camera: String) {
        switch event {
        case .closed(let s, _):
            self.init("segment.sealed", [
                ("camera", .string(camera)), ("sequence", Self.number(s.sequence)), ("frames", Self.number(s.frames)),
                ("bytes", Self.number(s.bytes)), ("reason", .string(s.reason.rawValue)),
            ])
        case .gap(let cause, let from, let to):
            self.init("camera.gap", [
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
            self.init("segment.evicted", [
                ("camera", .string(e.camera)), ("sequence", Self.number(e.sequence)), ("bytes", Self.number(e.bytes)),
                ("uploaded", .bool(e.wasUploaded)), ("why", .string(e.why)),
            ])
        case .full(let why):
            self.init("ring.full", [("why", .string(why))])
        case .storageFault(let why):
            self.init("ring.fault", [("why", .string(why))])
        }
    }

    package init?(_ event: UplinkEvent) {
        switch event {
        case .uploaded(let destination, let item, let bytes, let duplicate):
            self.init("segment.uploaded", [
                ("destination", .string(destination)), ("camera", .string(item.camera)),
                ("sequence", Self.number(item.sequence)), ("bytes", Self.number(bytes)), ("duplicate", .bool(duplicate)),
            ])
        case .conflict(let destination, let item, let message):
            self.init("upload.conflict", [
                ("destination", .string(destination)), ("camera", .string(item.camera)),
                ("sequence", Self.number(item.sequence)), ("why", .string(message)),
            ])
        case .rejected(let destination, let item, let status, let message):
            self.init("upload.refused", [
                ("destination", .string(destination)), ("camera", .string(item.camera)),
                ("sequence", Self.number(item.sequence)), ("status", Self.number(status)), ("why", .string(message)),
            ])
        case .backingOff(let destination, let error, let delay):
            self.init("upload.failed", [
                ("destination", .string(destination)), ("why", .string("\(error)")),
                ("retrySeconds", Self.number(Int64(delay.seconds))),
            ])
        case .progress:
            return nil
        }
    }
}
