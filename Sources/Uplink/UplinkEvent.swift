import EdgeSystem
import Synchronization

/// What the uplink did, for logs, metrics and `edgectl uplink status`.
public enum UplinkEvent: Sendable {
    /// The centre answered 200 and the acknowledgement is recorded in the ring.
    /// `duplicate`: the centre had it already (`{"status":"duplicate"}`).
    case uploaded(destination: String, item: UploadItem, bytes: Int64, duplicate: Bool)
    /// 409: the centre holds a different segment under this sequence. Evidence conflict:
    /// not retried until restart; a person must look.
    case conflict(destination: String, item: UploadItem, message: String)
    /// 400/403 (or another refusal): not retried until restart.
    case rejected(destination: String, item: UploadItem, status: Int, message: String)
    /// A failure; the destination waits `delay` before trying again.
    case backingOff(destination: String, error: UplinkError, delay: Duration)
    /// Body bytes sent of an item, at most about once a second per transfer.
    case progress(destination: String, item: UploadItem, sent: Int64, total: Int64)
}

/// Tells every worker to stop now: a flag cheap enough for libcurl's progress callback,
/// and an eventfd that wakes a worker waiting out a back-off or a rate cap.
final class StopSignal: Sendable {
    let wakeup: Wakeup
    private let flag = Atomic<Bool>(false)

    init() throws(SystemError) { wakeup = try Wakeup() }

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func signal() {
        flag.store(true, ordering: .releasing)
        wakeup.signal()
    }
}
