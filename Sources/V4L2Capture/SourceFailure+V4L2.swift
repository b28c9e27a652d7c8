import EdgeCore
import EdgeSystem

extension SourceFailure {
    /// A failed system call on camera `device`, in words a technician can act on. Whether
    /// retrying can help is decided here, from the errno.
    static func v4l2(_ error: SystemError, device: String) -> SourceFailure {
        var failure = describe(error, device: device)
        failure.cause = error
        return failure
    }

    private static func describe(_ error: SystemError, device: String) -> SourceFailure {
        let code = "(\(error.name))"
        switch error.code {
        case ENOENT:
            return SourceFailure(.lost, "camera \(device) not found \(code): check the cable and the device path; retrying")
        case ENODEV, ENXIO:
            return SourceFailure(.lost, "camera \(device) disappeared \(code): check the cable; retrying")
        case EIO:
            return SourceFailure(
                .lost, "camera \(device) failed in \(error.call) \(code): check the cable and its power; retrying")
        case EBUSY:
            return SourceFailure(
                .lost, "camera \(device) is busy \(code): another program is using it (see `fuser \(device)`); retrying")
        case EACCES, EPERM:
            return SourceFailure(
                .unusable, "camera \(device) may not be opened \(code): add the recorder's user to group 'video'")
        case ENOTTY where error.call == V4L2Request.queryCapabilities.name:
            return SourceFailure(
                .unusable, "\(device) is not a V4L2 camera \(code): check the device path in the config")
        case ENOMEM, ENOSPC:
            return SourceFailure(
                .lost, "camera \(device) has no memory for its buffers in \(error.call) \(code): "
                    + "lower the size or the buffer count; retrying")
        default:
            return SourceFailure(
                .lost, "camera \(device) failed in \(error.call): \(error.reason) \(code); retrying")
        }
    }
}
