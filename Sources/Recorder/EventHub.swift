import ControlSocket
import EdgeCore
import EdgeSystem
import EdgeJSON
import Synchronization

/// Fans the daemon's events out to the metrics and to every client of `GET /v1/events`,
/// one JSON object per line. Publishing never waits: a client that falls more than
/// `backlog` events behind gets a last `stream.overflow` line and is dropped.
package final class EventHub: Sendable {
    private let time: any TimeSource
    private let observe: @Sendable (DaemonEvent) -> Void
    private let clients = Mutex<(next: Int, streams: [Int: ControlStream])>((0, [:]))
    package let maxClients: Int
    package let backlog: Int

    package init(time: any TimeSource, maxClients: Int = 4, backlog: Int = 1000, observe: @escaping @Sendable (DaemonEvent) -> Void = { _ in }) {
        self.time = time
        self.maxClients = maxClients
        self.backlog = backlog
        self.observe = observe
    }

    package func publish(_ event: DaemonEvent) {
        observe(event)
        let streams = clients.withLock { Array($0.streams) }
        guard !streams.isEmpty else { return }
        let line = line(event)
        for (id, stream) in streams where !stream.push(line) {
            remove(id)
            stream.finish(last: self.line(DaemonEvent(.streamOverflow, [
                ("why", .string("this client fell \(backlog) events behind; reconnect to go on")),
            ])))
        }
    }

    /// A new client's stream, or nil when `maxClients` are listening already.
    package func subscribe() -> ControlStream? {
        clients.withLock { state -> ControlStream? in
            guard state.streams.count < maxClients else { return nil }
            let id = state.next
            state.next += 1
            let stream = ControlStream(capacity: backlog, onCancel: { [weak self] in self?.remove(id) })
            state.streams[id] = stream
            return stream
        }
    }

    package var clientCount: Int { clients.withLock { $0.streams.count } }

    private func remove(_ id: Int) { _ = clients.withLock { $0.streams.removeValue(forKey: id) } }

    package func line(_ event: DaemonEvent) -> [UInt8] {
        let object: JSONValue = .object([("at", .string(String(time.wallNow().rfc3339.prefix(23)) + "Z")), ("event", .string(event.name))] + event.fields)
        return CanonicalJSON.encode(object) + [10]
    }
}
