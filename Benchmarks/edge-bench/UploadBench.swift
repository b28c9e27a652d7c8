import EdgeSystem
import SegmentRing
import Uplink

/// Times the uplink sending a whole ring (built with `edge-bench ring --close yes`):
///
///     edge-bench upload --dir DIR --url https://HOST:PORT --ca CA --cert CERT --key KEY
///                       [--concurrency 1]
///
/// Starts `Uplink` on DIR's ring exactly as the daemon does (libcurl, mutual TLS, the
/// acknowledgement files), waits until every manifest is acknowledged and prints the
/// bytes of ciphertext sent, the wall seconds and MB/s. Tools/bench-uplink runs it beside
/// `curl -T` of the same files to the same server.
enum UploadBench {
    static func run(_ options: [String: String]) throws {
        guard let dir = options["dir"], let url = options["url"], let ca = options["ca"], let cert = options["cert"],
            let key = options["key"], let concurrency = Int(options["concurrency"] ?? "1")
        else { EdgeBench.usage() }
        let layout = RingLayout(stateDirectory: dir)
        let time = SystemTime()
        let keeper = RingKeeper(layout: layout, holds: HoldBook(stateDirectory: dir), bounds: RingBounds(), custody: nil, time: time)
        try keeper.scan()
        let bytes = try ciphertextBytes(layout.root)
        let destination = UplinkDestination(
            name: "bench", url: url, tls: UplinkTLS(caFile: ca, certFile: cert, keyFile: key), concurrency: concurrency)
        let started = time.monotonicNow()
        let cpuStart = EdgeBench.cpuSeconds()
        let uplink = try Uplink.start(
            ring: layout, acknowledgements: keeper, holds: HoldBook(stateDirectory: dir), destinations: [destination], time: time,
            clockSynced: { true }, events: { event in
                if case .backingOff(_, let error, _) = event { print("retrying: \(error)") }
            })
        // The queue is filled as the uplink starts; it is done when nothing is pending.
        let never = try Wakeup()
        var pending = Int.max
        while pending > 0 {
            _ = time.wait(until: time.monotonicNow() + .milliseconds(20), orStop: never)
            pending = uplink.status().first?.pending ?? 0
        }
        let elapsed = (time.monotonicNow() - started).seconds
        let cpu = EdgeBench.cpuSeconds() - cpuStart
        uplink.stop()
        print(
            "upload bytes=\(bytes) wall_s=\(EdgeBench.fmt(elapsed)) cpu_s=\(EdgeBench.fmt(cpu))"
                + " mb_per_s=\(EdgeBench.fmt(Double(bytes) / elapsed / 1e6))")
    }

    static func ciphertextBytes(_ root: String) throws -> Int64 {
        var total: Int64 = 0
        for camera in try FileSystem.list(root) where !camera.hasPrefix(".") {
            let directory = root + "/" + camera
            guard let names = try? FileSystem.list(directory) else { continue }
            for name in names where name.hasSuffix(".mkv.age") {
                total += try FileSystem.size(directory + "/" + name)
            }
        }
        return total
    }
}
