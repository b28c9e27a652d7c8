/// What the ring holds, for status displays and the control socket.
public struct RingListing: Sendable, Equatable {
    public var camera: String
    public var sequence: UInt64
    /// `<sequence>-<UTC>`, or empty for a gap manifest.
    public var stem: String
    /// Segment file plus manifest and signature.
    public var bytes: Int64
    /// Acknowledged by at least one destination.
    public var uploaded: Bool
    /// The segment file was evicted (its manifest stays: it is part of the chain).
    public var evicted: Bool
    public var isGap: Bool { stem.isEmpty }
}

extension RingKeeper {
    /// Every manifest in the ring, per camera in sequence order; `camera` narrows it.
    public func listing(camera: String? = nil) -> [RingListing] {
        let index = state.withLock { $0.index }
        return index.keys.sorted().filter { camera == nil || $0 == camera }.flatMap { c in
            index[c]!.map {
                RingListing(
                    camera: c, sequence: $0.sequence, stem: $0.stem, bytes: $0.bytes, uploaded: $0.uploaded,
                    evicted: $0.isEvicted && !$0.stem.isEmpty)
            }
        }
    }
}
