import DeviceIdentity
import EdgeCrypto
import EdgeSystem

/// The daemon's one chain of custody: per camera, a sequence of signed manifests, each
/// naming the SHA-256 of the one sealed before it. Not thread-safe: callers serialise.
///
/// Reservations (the rule recovery relies on; MANIFEST.md says the same):
/// - `reserveSequence` hands out the next number and records it as unsealed, durably,
///   before returning; numbers are never handed out twice, even across crashes.
/// - Any reserved, unsealed number may be sealed, once. Sealing N while an earlier M is
///   still unsealed is allowed: M is a hole that `unsealedReservations` keeps listing
///   until recovery seals it (a truncated segment) or records a crash gap with it.
/// - `previous` follows the order of sealing, not of numbers, so a hole filled late
///   chains after the manifest sealed before it; the verifier accepts that and says so.
public final class ManifestChain {
    public let gateway: String
    public let firmwareVersion: String
    private let key: DeviceKey
    private let directory: String
    private let bootID: String
    private var states: [String: ChainState] = [:]

    /// A wall clock that moved more than this against the monotonic clock is recorded.
    public static let clockStepThresholdNs: Int64 = 1_000_000_000

    /// - Parameter bootID: tells monotonic readings of one boot from another's; by
    ///   default the kernel's `boot_id`.
    public init(
        stateDirectory: String, gateway: String, firmwareVersion: String, key: DeviceKey, bootID: String? = nil
    ) throws {
        self.gateway = gateway
        self.firmwareVersion = firmwareVersion
        self.key = key
        directory = "\(stateDirectory)/chain"
        self.bootID = bootID ?? BootID.current
        do { try FileSystem.makeDirectories(directory, mode: 0o700) } catch { throw CustodyError.storage(error) }
    }

    public func reserveSequence(camera: String) throws -> UInt64 {
        var state = try self.state(camera)
        let sequence = state.next
        state.next += 1
        state.unsealed.append(sequence)
        try commit(state, camera)
        return sequence
    }

    public func seal(_ segment: SegmentFacts, sequence: UInt64) throws -> SignedManifest {
        let stem = segment.file.hasSuffix(".mkv.age") ? String(segment.file.dropLast(8)) : segment.file
        return try append(
            camera: segment.camera, sequence: sequence, start: segment.start, end: segment.end,
            body: .segment(segment), fileName: "\(stem).json")
    }

    public func recordGap(_ gap: GapFacts) throws -> SignedManifest {
        try recordGap(gap, sequence: try reserveSequence(camera: gap.camera))
    }

    /// A gap manifest taking a number reserved earlier: how recovery fills the hole a
    /// crash left when no segment file survived.
    public func recordGap(_ gap: GapFacts, sequence: UInt64) throws -> SignedManifest {
        try append(
            camera: gap.camera, sequence: sequence, start: gap.start, end: gap.end, body: .gap(gap),
            fileName: "\(Self.padded(sequence))-gap.json")
    }

    public func unsealedReservations(camera: String) -> [UInt64] {
        ((try? state(camera))?.unsealed ?? []).sorted()
    }

    /// The manifest sealed last for `camera`, as persisted with the chain head: a store
    /// that crashed between `seal` returning and its own write can write it again.
    public func lastSealed(camera: String) throws -> SignedManifest? {
        try state(camera).lastManifest
    }

    /// Where the chain of `camera` ended: the end of its last manifest, with the boot it
    /// was read in (what a gap after a stop or a crash starts from). Nil before the first.
    public func lastEnd(camera: String) -> TimePoint? {
        guard let mark = (try? state(camera))?.lastEnd else { return nil }
        return Self.point(mark)
    }

    private static func point(_ mark: ChainState.ClockMark) -> TimePoint {
        TimePoint(
            wall: WallTime(nanosecondsSinceEpoch: mark.wallNs), monotonic: MonotonicInstant(nanoseconds: mark.monotonicNs),
            clockSynced: mark.synced, boot: mark.boot)
    }

    /// Signs `bytes` with the device key (a manifest or a checkpoint).
    func sign(_ bytes: [UInt8], trustedComment: String) throws(CustodyError) -> String {
        do { return try key.sign(bytes, trustedComment: trustedComment).fileText } catch {
            throw CustodyError(.crypto, "signing: \(error)", cause: error)
        }
    }

    /// This boot's id, as the chain writes it into every time point.
    public var boot: String { bootID }

    private func append(
        camera: String, sequence: UInt64, start: TimePoint, end: TimePoint, body: Manifest.Body, fileName: String
    ) throws -> SignedManifest {
        // A point read now is of this boot; a point carried over (a gap from before a
        // restart) keeps the boot it was read in.
        var (start, end, body) = (start, end, body)
        if start.boot == nil { start.boot = bootID }
        if end.boot == nil { end.boot = bootID }
        switch body {
        case .segment(var s):
            (s.start, s.end) = (start, end)
            body = .segment(s)
        case .gap(var g):
            (g.start, g.end) = (start, end)
            body = .gap(g)
        }
        var state = try self.state(camera)
        guard let slot = state.unsealed.firstIndex(of: sequence) else {
            let why = sequence < state.next ? "was already sealed" : "was never reserved"
            throw CustodyError(.notReserved, "camera \(camera) sequence \(sequence) \(why)")
        }
        let manifest = Manifest(
            gateway: gateway, camera: camera, sequence: sequence, previous: state.head, firmware: firmwareVersion,
            start: start, end: end, clockStep: clockStep(since: state.lastEnd, to: end), body: body)
        let json = manifest.canonicalJSON
        let sha256 = SHA256.hash(json)
        let comment = Manifest.trustedComment(gateway: gateway, camera: camera, sequence: sequence, sha256: sha256)
        let signature: String
        do { signature = try key.sign(json, trustedComment: comment).fileText } catch {
            throw CustodyError(.crypto, "signing manifest \(sequence) of \(camera): \(error)")
        }
        let sealed = SignedManifest(sequence: sequence, json: json, signature: signature, sha256: sha256, fileName: fileName)
        state.unsealed.remove(at: slot)
        state.head = sha256
        // The latest end so far: a record of older time (an evicted-unsent record, a hole
        // sealed late) does not move it back.
        let earlier = state.lastEnd.flatMap { Self.point($0).distance(to: end) }.map { $0 < .zero } ?? false
        if !earlier {
            state.lastEnd = .init(
                boot: end.boot ?? bootID, wallNs: end.wall.nanosecondsSinceEpoch, monotonicNs: end.monotonic.nanoseconds,
                synced: end.clockSynced)
        }
        state.lastManifest = sealed
        try commit(state, camera)
        return sealed
    }

    /// The wall clock's movement against the monotonic clock from the previous manifest's
    /// end (same boot only) to this one's, when more than a second. Recorded, never acted
    /// on: order comes from sequence numbers alone.
    private func clockStep(since mark: ChainState.ClockMark?, to end: TimePoint) -> Int64? {
        guard let mark, mark.boot == (end.boot ?? bootID), !mark.boot.isEmpty else { return nil }
        // Readings from the state file: an overflow means no measurable step, never a trap.
        let wall = end.wall.nanosecondsSinceEpoch.subtractingReportingOverflow(mark.wallNs)
        let monotonic = end.monotonic.nanoseconds.subtractingReportingOverflow(mark.monotonicNs)
        guard !wall.overflow, !monotonic.overflow else { return nil }
        let step = wall.partialValue.subtractingReportingOverflow(monotonic.partialValue)
        guard !step.overflow else { return nil }
        return step.partialValue.magnitude > Self.clockStepThresholdNs.magnitude ? step.partialValue : nil
    }

    private func state(_ camera: String) throws -> ChainState {
        guard PlainName.isValid(camera) else {
            throw CustodyError(.invalidCamera, "camera id \"\(camera)\" must be 1–64 of A-Z a-z 0-9 . _ - (no leading dot)")
        }
        if let cached = states[camera] { return cached }
        let loaded = try ChainState.load(directory: directory, camera: camera)
        states[camera] = loaded
        return loaded
    }

    /// Persists first, then updates memory: a failed write leaves both as they were.
    private func commit(_ state: ChainState, _ camera: String) throws {
        try state.save(directory: directory, camera: camera)
        states[camera] = state
    }

    static func padded(_ sequence: UInt64) -> String { sequence.zeroPadded(8) }
}
