import AgeEncryption
import EdgeCore
import EdgeSystem
import FrameSources
import Segmenter

/// Measures the recording path without pacing: source → segmenter → Matroska → disk.
///
///     edge-bench pipeline --codec mjpeg --input FILE --out DIR [--fps 25] [--segment-seconds 10]
///
/// Prints one line of `key=value` figures: frames, wall and CPU seconds, frames/s, and CPU
/// seconds per GiB of input. Tools/bench runs it beside ffmpeg on the same input.
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
        try pipeline(codec: codec, input: input, out: out, fps: fps, segmentSeconds: seconds)
    }

    static func usage() -> Never {
        print("usage: edge-bench pipeline --codec mjpeg|h264|h265 --input FILE --out DIR [--fps N] [--segment-seconds N]")
        print("       edge-bench seal [--mib N] [--recipient age1…]")
        print("       edge-bench jpeg [--frames N] [--quality Q] [--raw-out FILE]")
        print("       edge-bench ring --segments N --dir DIR [--phase build|recover|both] [--input clip.mjpeg]")
        print("                       [--frames-per-segment N] [--close yes] [--camera ID] [--gateway ID]")
        print("       edge-bench upload --dir DIR --url URL --ca CA --cert CERT --key KEY [--concurrency N]")
        exit(64)
    }

    static func pipeline(codec: VideoCodec, input: String, out: String, fps: Int, segmentSeconds: Int) throws {
        let inputBytes = try FileSystem.size(input)
        let time = FreeRunningTime()
        let wallStart = SystemTime().monotonicNow()
        let cpuStart = cpuSeconds()
        let source = FileSource(path: input, codec: codec, rate: FrameRate(frames: fps), time: time)
        let format = try source.open()
        let store = try FileSegmentStore(root: out)
        var segments = 0
        let segmenter = Segmenter(camera: "bench", store: store, policy: SegmentPolicy(length: .seconds(segmentSeconds)), time: time) {
            if case .closed = $0 { segments += 1 }
        }
        try segmenter.handle(.streaming(format))
        let stop = try Wakeup()
        let count = source.frameCount
        for _ in 0..<count {
            guard let frame = try source.nextFrame(stop: stop) else { break }
            try segmenter.handle(.frame(frame))
        }
        try segmenter.close(.shutdown)
        let wall = (SystemTime().monotonicNow() - wallStart).seconds
        let cpu = cpuSeconds() - cpuStart
        let gib = Double(inputBytes) / Double(1 << 30)
        print("frames=\(count) segments=\(segments) wall_s=\(fmt(wall)) cpu_s=\(fmt(cpu)) fps=\(fmt(Double(count) / wall)) cpu_s_per_gib=\(fmt(cpu / gib))")
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
