import EdgeCore
import EdgeSystem
import RecorderConfig
import V4L2Capture

/// Maps a camera's `v4l2` config onto the V4L2 capture module.
enum V4L2Wiring {
    static func source(_ settings: V4L2Settings, _ time: any TimeSource) -> any FrameSource {
        let text = settings.pixelFormat ?? ""
        let config = V4L2Config(
            devicePath: settings.device, pixelFormat: text.isEmpty ? nil : FourCC(text), size: settings.size,
            framesPerSecond: settings.fps, jpegQuality: settings.jpegQuality,
            stallTimeout: .seconds(settings.stallSeconds))
        return V4L2Source(config: config, time: time)
    }
}
