import ServiceLifecycle

/// A part of the daemon that runs on threads of its own (the control socket, the uplink,
/// the watchdog runner, the self-probe) as a `Service` of the daemon's one group: started
/// when the group runs it, stopped when the group shuts it down (in the reverse order of
/// the group's list) or cancels it. `stop` learns which: a graceful shutdown may finish
/// work (the uplink delivers what was sealed last); a cancellation stops now.
struct PartService: Service {
    let name: String
    let start: @Sendable () async throws -> Void
    let stop: @Sendable (_ graceful: Bool) async -> Void

    init(
        _ name: String, start: @escaping @Sendable () async throws -> Void = {},
        stop: @escaping @Sendable (_ graceful: Bool) async -> Void
    ) {
        self.name = name
        self.start = start
        self.stop = stop
    }

    func run() async throws {
        try await start()
        var graceful = true
        do { try await gracefulShutdown() } catch { graceful = false }
        await stop(graceful)
    }
}

extension PartService: CustomStringConvertible {
    var description: String { name }
}
