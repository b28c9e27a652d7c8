import RecorderConfig

/// The firmware's version, recorded in every manifest.
public enum Firmware {
    public static let version = "0.1.0"
}

/// Makes one camera's service as a config runs it. `recipientsNotice`, when the recipients
/// just changed, is sealed into the camera's chain before its first segment (a
/// `recipients-changed` record).
package typealias CameraFactory = @Sendable (CameraConfiguration, RecorderConfiguration, _ recipientsNotice: String?) throws
    -> CameraService
