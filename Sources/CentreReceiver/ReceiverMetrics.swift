import Synchronization

/// The receiver's counters, rendered as Prometheus text at `GET /metrics`.
public final class ReceiverMetrics: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var segmentsStored: Int = 0
        public var gapsStored: Int = 0
        public var duplicates: Int = 0
        public var conflicts: Int = 0
        public var bytesReceived: Int64 = 0
        public var bytesStored: Int64 = 0
        public var chainBreaks: Int = 0
        public var rejected: [String: Int] = [:]
        /// Connections closed at once: over the global or per-address limit.
        public var connectionsRefused: Int = 0
        /// Connections closed by a deadline, by reason (handshake, header, idle).
        public var connectionsTimedOut: [String: Int] = [:]
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }

    public var prometheusText: String {
        let s = snapshot
        var lines: [String] = []
        func counter(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) counter")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        counter("edge_centre_segments_stored_total", "Segments stored and verified.", [("", "\(s.segmentsStored)")])
        counter("edge_centre_gaps_stored_total", "Gap manifests stored.", [("", "\(s.gapsStored)")])
        counter("edge_centre_duplicates_total", "Uploads of something already stored (acknowledged again).", [("", "\(s.duplicates)")])
        counter("edge_centre_conflicts_total", "Same sequence sent with a different manifest (evidence conflict).", [("", "\(s.conflicts)")])
        counter("edge_centre_received_bytes_total", "Segment body bytes written to partial uploads.", [("", "\(s.bytesReceived)")])
        counter("edge_centre_stored_bytes_total", "Ciphertext bytes of segments stored.", [("", "\(s.bytesStored)")])
        counter("edge_centre_chain_breaks_total", "Manifests whose previous hash does not name the stored previous manifest.", [("", "\(s.chainBreaks)")])
        counter(
            "edge_centre_rejected_total", "Requests refused, by reason.",
            s.rejected.sorted { $0.key < $1.key }.map { ("{reason=\"\($0.key)\"}", "\($0.value)") })
        counter(
            "edge_centre_connections_refused_total", "Connections closed at once: over the global or per-address limit.",
            [("", "\(s.connectionsRefused)")])
        counter(
            "edge_centre_connections_timed_out_total", "Connections closed by a deadline, by reason.",
            s.connectionsTimedOut.sorted { $0.key < $1.key }.map { ("{reason=\"\($0.key)\"}", "\($0.value)") })
        return lines.joined(separator: "\n") + "\n"
    }
}
