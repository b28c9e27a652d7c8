import Custody
import DeviceIdentity
import EdgeCore
import EdgeSystem
import FrameSources
import Sealer
import SegmentRing
import Segmenter

/// Times crash recovery of a large ring:
///
///     edge-bench ring --segments 10000 --dir DIR [--phase build|recover|both]
///                     [--input clip.mjpeg] [--camera bench] [--gateway bench]
///                     [--frames-per-segment 1] [--close yes]
///
/// `build` makes DIR a gateway state directory (device key, chain, ring) holding
/// `--segments` sealed one-frame segments of `--input` (MJPEG) with real signed
/// manifests, written through `SealedSegmentStore` by a `Segmenter` on a clock that
/// never waits; then it opens one segment more and exits without closing it: the state a
/// kill leaves (the `.running` marker, a `.mkv.age.partial`, its `.open` note and an
/// unsealed reservation). `recover` times `RingRecovery.recover` on it, as the daemon
/// runs it at start, and prints `recovery_ms=…`. `both` (the default) does one after the
/// other in one process, with the page cache warm; Tools/bench runs the phases apart to
/// drop the cache in between. `--close yes` ends the build with a clean stop instead (every
/// segment sealed, nothing open): the ring `edge-bench upload` sends.
enum RingBench {
    static func run(_ options: [String: String]) throws {
        guard let dir = options["dir"], let segments = Int(options["segments"] ?? "10000"), segments > 0 else {
            EdgeBench.usage()
        }
        let phase = options["phase"] ?? "both"
        let camera = options["camera"] ?? "bench"
        let gateway = options["gateway"] ?? "bench"
        guard ["build", "recover", "both"].contains(phase) else { EdgeBench.usage() }
        if phase != "recover" {
            let input = options["input"] ?? "Tests/Fixtures/clip-320x240-25fps.mjpeg"
            guard let frames = Int(options["frames-per-segment"] ?? "1"), frames > 0 else { EdgeBench.usage() }
            try build(
                dir: dir, segments: segments, input: input, camera: camera, gateway: gateway, framesPerSegment: frames,
                close: options["close"] == "yes")
        }
        if phase != "build" { try recover(dir: dir, camera: camera, gateway: gateway) }
    }

    static func build(
        dir: String, segments: Int, input: String, camera: String, gateway: String, framesPerSegment: Int = 1,
        close: Bool = false
    ) throws {
        let wallStart = SystemTime().monotonicNow()
        let rate = FrameRate(frames: 25)
        // The recording ends about now, so the recovery that follows sees sane clocks.
        let time = FastClock(endingNowAfter: rate.interval * (segments * framesPerSegment))
        // Marks the run as started, as the daemon does before recording.
        let (store, recovery) = try EdgeBench.sealedStore(dir: dir, time: time, gateway: gateway, camera: camera)
        let source = FileSource(path: input, codec: .mjpeg, rate: rate, time: time)
        let format = try source.open()
        var closed = 0
        // Every MJPEG frame is a keyframe: a segment closes at the first frame after its length.
        let length = rate.interval * framesPerSegment
        let segmenter = Segmenter(camera: camera, store: store, policy: SegmentPolicy(length: length), time: time) {
            if case .closed = $0 { closed += 1 }
        }
        try segmenter.handle(.streaming(format))
        let stop = try Wakeup()
        // The frame after the last segment's opens one more, left open: the crash.
        while closed < segments {
            guard let frame = try source.nextFrame(stop: stop) else { break }
            try segmenter.handle(.frame(frame))
        }
        guard closed == segments, segmenter.openSequence != nil else {
            throw RingError(.corrupt, "built \(closed) of \(segments) segments")
        }
        let wall = (SystemTime().monotonicNow() - wallStart).seconds
        if close {
            try segmenter.close(.shutdown)
            try recovery.markCleanStop()
            print("built segments=\(closed) wall_s=\(EdgeBench.fmt(wall)) dir=\(dir)")
            return
        }
        print("built segments=\(closed) open_segment=\(segmenter.openSequence ?? 0) wall_s=\(EdgeBench.fmt(wall)) dir=\(dir)")
        // Exits with the segment open and the run marker in place, as a kill would.
    }

    static func recover(dir: String, camera: String, gateway: String) throws {
        let key = try DeviceKey.load(stateDirectory: dir)
        let chain = try ManifestChain(stateDirectory: dir, gateway: gateway, firmwareVersion: "edge-bench", key: key)
        let ledger = CustodyLedger(chain: chain, publicKey: key.publicKey)
        let time = SystemTime()
        let recovery = RingRecovery(layout: RingLayout(stateDirectory: dir), ledger: ledger, time: time)
        let started = time.monotonicNow()
        let cpuStart = EdgeBench.cpuSeconds()
        let report = try recovery.recover(cameras: [camera])
        let elapsed = time.monotonicNow() - started
        let cpu = EdgeBench.cpuSeconds() - cpuStart
        print(
            "recovery_ms=\(EdgeBench.fmt(elapsed.seconds * 1000)) cpu_ms=\(EdgeBench.fmt(cpu * 1000))"
                + " segments=\(report.segments) truncated=\(report.truncatedSegments) crash_gaps=\(report.crashGaps)"
                + " debris_removed=\(report.debrisRemoved) last_run_crashed=\(report.lastRunCrashed)")
    }
}

/// A clock for building a ring flat out: waiting jumps to the deadline at once. Both
/// clocks start `span` before the real ones read now.
final class FastClock: TimeSource, @unchecked Sendable {
    // @unchecked: used from the benchmark's one thread.
    private var now: MonotonicInstant
    private let wallOffset: Int64

    init(endingNowAfter span: Duration) {
        let real = SystemTime()
        now = real.monotonicNow() + .nanoseconds(-span.nanoseconds)
        wallOffset = real.wallNow().nanosecondsSinceEpoch - real.monotonicNow().nanoseconds
    }

    func monotonicNow() -> MonotonicInstant { now }
    func wallNow() -> WallTime { WallTime(nanosecondsSinceEpoch: wallOffset + now.nanoseconds) }
    func wait(until deadline: MonotonicInstant, orStop stop: Wakeup) -> Bool {
        if deadline > now { now = deadline }
        return false
    }
}
