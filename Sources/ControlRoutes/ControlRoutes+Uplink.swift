import Recorder
import ControlSocket
import EdgeJSON
import EdgeSystem
import Synchronization
import Uplink

/// `POST /v1/uplink/test`: connect, TLS and authentication to each destination (or the
/// one named), each on a thread of its own so a slow network never holds the socket.
extension ControlRoutes {
    func testUplink(_ request: ControlRequest) async -> ControlResponse {
        guard UplinkTestGate.enter() else { return .error(409, "an uplink test is running already; wait for its answer") }
        defer { UplinkTestGate.leave() }
        var body: JSONFields
        do { body = try JSONFields(request.body.isEmpty ? Array("{}".utf8) : request.body, allowed: ["destination"]) } catch {
            return .error(400, error.description)
        }
        let name = body.string("destination")
        if let problem = body.problem { return .error(400, problem) }
        var destinations = config.destinations
        guard !destinations.isEmpty else { return .error(404, "no destinations are configured (uplink.destinations in the config)") }
        if let name {
            destinations = destinations.filter { $0.name == name }
            guard !destinations.isEmpty else {
                return .error(404, "no destination \"\(name)\"; destinations: \(config.destinations.map(\.name).joined(separator: ", "))")
            }
        }
        let results = await withTaskGroup(of: (Int, [UplinkProbe.Step]).self) { group in
            for (i, d) in destinations.enumerated() {
                let destination = d.uplinkDestination
                group.addTask {
                    await withCheckedContinuation { continuation in
                        startThread(name: "uplink-test") { continuation.resume(returning: (i, UplinkProbe.run(destination))) }
                    }
                }
            }
            var all: [(Int, [UplinkProbe.Step])] = []
            for await result in group { all.append(result) }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let answers: [JSONValue] = zip(destinations, results).map { d, steps in
            .object([
                ("destination", .string(d.name)), ("url", .string(d.url)), ("ok", .bool(steps.allSatisfy(\.ok) && steps.count == 3)),
                ("steps", .array(steps.map { step in
                    .object([("step", .string(step.name)), ("ok", .bool(step.ok)), ("detail", .string(step.detail))]
                        + (step.milliseconds.map { [("milliseconds", .number(String($0)))] } ?? []))
                })),
            ])
        }
        return .json(.object([("destinations", .array(answers))]))
    }
}

/// One uplink test at a time: each holds a thread and a connection per destination.
package enum UplinkTestGate {
    private static let busy = Atomic<Bool>(false)
    static func enter() -> Bool { !busy.exchange(true, ordering: .acquiringAndReleasing) }
    static func leave() { busy.store(false, ordering: .releasing) }
}
