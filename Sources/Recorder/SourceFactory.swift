import EdgeCore
import EdgeSystem
import FrameSources
import RecorderConfig

/// Makes the frame source a camera's config asks for.
///
/// V4L2 devices are added by the V4L2 capture module through `v4l2`.
public struct SourceFactory: Sendable {
    public var time: any TimeSource
    /// Builds a V4L2 source; nil where the daemon was built without V4L2 support.
    public var v4l2: (@Sendable (V4L2Settings, any TimeSource) -> any FrameSource)?

    public init(time: any TimeSource, v4l2: (@Sendable (V4L2Settings, any TimeSource) -> any FrameSource)? = nil) {
        self.time = time
        self.v4l2 = v4l2
    }

    public func maker(for camera: CameraConfiguration) -> @Sendable () -> any FrameSource {
        FaultSwitch.wrap(plainMaker(for: camera), time: time)
    }

    private func plainMaker(for camera: CameraConfiguration) -> @Sendable () -> any FrameSource {
        let time = self.time
        switch camera.source {
        case .testPattern(let size, let fps, let quality):
            return { TestPatternSource(name: "test-pattern", size: size, rate: FrameRate(frames: fps), quality: quality, time: time) }
        case .file(let path, let codec, let fps):
            return { FileSource(path: path, codec: codec, rate: FrameRate(frames: fps), time: time) }
        case .v4l2(let settings):
            let make = v4l2
            return {
                guard let make else { return Unavailable(name: settings.device) }
                return make(settings, time)
            }
        }
    }

    /// Stands in for a source this build cannot open, and says so at every attempt.
    final class Unavailable: FrameSource {
        let name: String
        init(name: String) { self.name = name }
        func open() throws -> StreamFormat {
            throw SourceFailure(.unusable, "\(name): this build of edge-recorderd has no V4L2 support")
        }
        func nextFrame(stop: Wakeup) throws -> Frame? { nil }
        func close() {}
    }
}
