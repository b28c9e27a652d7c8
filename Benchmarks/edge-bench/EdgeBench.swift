import AgeEncryption
import Custody
import DeviceIdentity
import EdgeCore
import EdgeSystem
import FrameSources
import Sealer
import SegmentRing
import Segmenter

/// Measures the recording path without pacing: source → segmenter → Matroska → disk.
///
///     edge-bench pipeline --codec mjpeg --input FILE --out DIR [--fps 25] [--segment-seconds 10]
///                         [--frames N] [--sealed yes]
///
/// Prints one line of `key=value` figures: frames, wall and CPU seconds, frames/s, and CPU
/// seconds per GiB of input. Tools/bench runs it beside ffmpeg on the same input.
/// `--sealed yes` records as the daemon does: through `SealedSegmentStore` into a ring
/// in DIR (age to one recipient, hashed, signed manifests, fsync at each segment's end).
/// `--frames N` replays the file (looping) for N frames instead of once.
@main
enum EdgeBench {
    static func main() throws {
        var args = Array(CommandLine.arguments.dropFirst())
        guard let mode = args.first, ["pipeline", "seal", "ring", "jpeg", "upload"].contains(mode) else { usage() }
        args.removeFirst()
        var options: [String: String] = [:]
        while args.count >= 2, args[0].hasPrefix("--") {
            options[String(args[0].dropFirst(2))] = args[1]
            args.removeFirst(2)
        }
        if mode == "ring" { return try RingBench.run(options) }
        if mode == "jpeg" { return try JPEGBench.run(options) }
        if mode == "upload" { return try UploadBench.run(options) }
        if mode == "seal" {
            try seal(bytes: Int(options["mib"] ?? "1024").map { $0 << 20 } ?? 1 << 30, recipient: options["recipient"])
            return
        }
        guard args.isEmpty, let codecName = options["codec"], let codec = VideoCodec(rawValue: codecName),
              let input = options["input"], let out = options["out"] else { usage() }
        let fps = Int(options["fps"] ?? "25") ?? 25
        let seconds = Int(options["segment-seconds"] ?? "10") ?? 10
        let frames = options["frames"].map { text -> Int in
            guard let n = Int(text), n > 0 else { usage() }
            return n
        }
        try pipeline(
            codec: codec, input: input, out: out, fps: fps, segmentSeconds: seconds, frames: frames,
            sealed: options["sealed"] == "yes")
    }

    static func usage() -> Never {
        print("usage: edge-bench pipeline --codec mjpeg|h264|h265 --input FILE --out DIR [--fps N] [--segment-seconds N]")
        print("                           [--frames N] [--sealed yes]")
        print("       edge-bench seal [--mib N] [--recipient age1…]")
        print("       edge-bench jpeg [--frames N] [--quality Q] [--raw-out FILE]")
        print("       edge-bench ring --segments N --dir DIR [--phase build|recover|both] [--input clip.mjpeg]")
        print("                       [--frames-per-segment N] [--close yes] [--camera ID] [--gateway ID]")
        print("       edge-bench upload --dir DIR --url URL --ca CA --cert CERT --key KEY [--concurrency N]")
        exit(64)
    }

    static func pipeline(
        codec: VideoCodec, input: String, out: String, fps: Int, segmentSeconds: Int, frames: Int?, sealed: Bool
    ) throws {
        let fileBytes = try FileSystem.size(input)
        let rate = FrameRate(frames: fps)
        let time: any TimeSource = sealed ? FastClock(endingNowAfter: rate.interval * (frames ?? 1)) : FreeRunningTime()
        let store: any SegmentStore = sealed ? try sealedStore(dir: out, time: time).store : try FileSegmentStore(root: out)
        let wallStart = SystemTime().monotonicNow()
        let cpuStart = cpuSeconds()
        let source = FileSource(path: input, codec: codec, rate: rate, time: time)
        let format = try source.open()
        let count = frames ?? source.frameCount
        var inputBytes: Int64 = frames == nil ? fileBytes : 0
        var segments = 0
        let segmenter = Segmenter(camera: "bench", store: store, policy: SegmentPolicy(length: .seconds(segmentSeconds)), time: time) {
            if case .closed = $0 { segments += 1 }
        }
        try segmenter.handle(.streaming(format))
        let stop = try Wakeup()
        for _ in 0..<count {
            guard let frame = try source.nextFrame(stop: stop) else { break }
            if frames != nil { inputBytes += Int64(frame.bytes.count) }
            try segmenter.handle(.frame(frame))
        }
        try segmenter.close(.shutdown)
        let wall = (SystemTime().monotonicNow() - wallStart).seconds
        let cpu = cpuSeconds() - cpuStart
        let gib = Double(inputBytes) / Double(1 << 30)
        print("frames=\(count) bytes=\(inputBytes) segments=\(segments) wall_s=\(fmt(wall)) cpu_s=\(fmt(cpu)) fps=\(fmt(Double(count) / wall)) cpu_s_per_gib=\(fmt(cpu / gib))")
    }

    /// A gateway state directory in `dir` (device key, manifest chain, ring), marked as
    /// running as the daemon marks it, and the store the daemon records into, sealing to
    /// one fresh recipient. The recovery marks a clean stop at the end.
    static func sealedStore(
        dir: String, time: any TimeSource, gateway: String = "bench", camera: String = "bench"
    ) throws -> (store: SealedSegmentStore, recovery: RingRecovery) {
        try FileSystem.makeDirectories(dir, mode: 0o750)
        let key = try DeviceKey.loadOrCreate(stateDirectory: dir)
        let chain = try ManifestChain(stateDirectory: dir, gateway: gateway, firmwareVersion: "edge-bench", key: key)
        let ledger = CustodyLedger(chain: chain, publicKey: key.publicKey)
        let layout = RingLayout(stateDirectory: dir)
        let recovery = RingRecovery(layout: layout, ledger: ledger, time: time, clockSynced: { false })
        _ = try recovery.recover(cameras: [camera])
        let store = try SealedSegmentStore(
            layout: layout, recipients: [try AgeIdentity.generate().recipient], ledger: ledger, time: time,
            clockSynced: { false })
        return (store, recovery)
    }

    /// Seals `bytes` of plaintext (written 1 MiB at a time, sealed in age's 64 KiB chunks)
    /// into a sink that discards: the encryption alone, in memory, as `openssl speed`
    /// measures it.
    static func seal(bytes: Int, recipient: String?) throws {
        let to = try recipient.map { try AgeRecipient(parsing: $0) } ?? AgeIdentity.generate().recipient
        let sink = DiscardingSink()
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
        let wallStart = SystemTime().monotonicNow()
        let cpuStart = cpuSeconds()
        let writer = try AgeWriter(recipients: [to], output: sink)
        for _ in 0..<(bytes / chunk.count) { try writer.write(chunk) }
        try writer.finish()
        let wall = (SystemTime().monotonicNow() - wallStart).seconds
        print("bytes=\(bytes) ciphertext=\(sink.count) wall_s=\(fmt(wall)) cpu_s=\(fmt(cpuSeconds() - cpuStart)) gb_per_s=\(fmt(Double(bytes) / wall / 1e9))")
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func fmt(_ x: Double) -> String {
        let scaled = (x * 1000).rounded() / 1000
        return "\(scaled)"
    }
}

/// A clock for running a paced source flat out: waiting jumps to the deadline at once.
final class FreeRunningTime: TimeSource, @unchecked Sendable {
    // @unchecked: used from the benchmark's one thread.
    private var now = MonotonicInstant(nanoseconds: 1_000_000_000)
    func monotonicNow() -> MonotonicInstant { now }
    func wallNow() -> WallTime { WallTime(nanosecondsSinceEpoch: 1_764_400_000_000_000_000 + now.nanoseconds) }
    func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool {
        if deadline > now { now = deadline }
        return false
    }
}

/// Counts and forgets.
final class DiscardingSink: ByteSink {
    private(set) var count = 0
    func write(_ bytes: UnsafeRawBufferPointer) throws { count += bytes.count }
    func flush() throws {}
}
