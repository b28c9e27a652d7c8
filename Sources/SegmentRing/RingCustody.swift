import EdgeSystem

/// What the ring asks of the chain of custody, without knowing manifests or keys: the
/// sealer implements it (`LedgerCustody`). A keeper without one (edgectl placing a hold
/// with the daemon down) never evicts.
public protocol RingCustody: Sendable {
    /// Signs the loss record of an unsent segment about to be evicted, before its file
    /// goes: if the removal then fails, nothing was lost unrecorded.
    func recordEvictedUnsent(camera: String, sequence: UInt64, stem: String, why: String) throws
    /// When the segment `stem` ended on the wall clock, if its manifest says the clock
    /// was synchronised then (what `storage.maxAgeHours` is measured from).
    func synchronisedEnd(camera: String, stem: String) -> WallTime?
}

/// What the uplink records of a delivery: the acknowledgement files of the ring.
public protocol UploadAcknowledgements: Sendable {
    func markUploaded(camera: String, sequence: UInt64, destination: String) throws
    func markGapUploaded(camera: String, sequence: UInt64, destination: String) throws
}

extension RingKeeper: UploadAcknowledgements {}
