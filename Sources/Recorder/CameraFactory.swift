import RecorderConfig

/// Makes one camera's service as a config runs it. `recipientsNotice`, when the recipients
/// just changed, is sealed into the camera's chain before its first segment (a
/// `recipients-changed` record).
package typealias CameraFactory = @Sendable (CameraConfiguration, RecorderConfiguration, _ recipientsNotice: String?) throws
    -> CameraService
