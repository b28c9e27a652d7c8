import RecorderConfig

extension RingBounds {
    /// The config's `storage` limits, in the ring's terms.
    public init(_ limits: StorageLimits) {
        self.init(
            maxBytes: Int64(limits.maxMiB) << 20, cameraMaxBytes: Int64(limits.cameraMaxMiB) << 20,
            maxAge: limits.maxAgeHours > 0 ? .seconds(limits.maxAgeHours * 3600) : nil, minFreeBytes: Int64(limits.minFreeMiB) << 20,
            evictUnsent: limits.whenFull == .evictOldest, holdMaxBytes: Int64(limits.holdMaxMiB) << 20)
    }
}
