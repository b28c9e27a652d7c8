import Recorder
import ControlSocket
import EdgeJSON

/// `GET /v1/events`: one JSON object per line for as long as the client listens.
extension ControlRoutes {
    func eventStream() -> ControlResponse {
        guard let stream = events.subscribe() else {
            return .error(503, "\(events.maxClients) clients are following events already; try again when one has left")
        }
        let hello = events.line(DaemonEvent(.streamStarted, [("gateway", .string(config.gateway))]))
        return .streaming(stream, contentType: "application/x-ndjson", first: hello)
    }
}
