import RecorderConfig
import SegmentRing

extension StorageLimits {
    /// The config's limits, in the ring's terms.
    public var ringBounds: RingBounds {
        RingBounds(
            maxBytes: Int64(maxMiB) << 20, cameraMaxBytes: Int64(cameraMaxMiB) << 20,
            maxAge: maxAgeHours > 0 ? .seconds(maxAgeHours * 3600) : nil, minFreeBytes: Int64(minFreeMiB) << 20,
            evictUnsent: whenFull == .evictOldest, holdMaxBytes: Int64(holdMaxMiB) << 20)
    }
}
