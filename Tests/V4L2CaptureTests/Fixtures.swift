import CV4L2
import EdgeCore
import EdgeSystem
import TestSupport
import V4L2Capture

enum Fixture {
    static let path = "/dev/v4l/by-id/usb-Fake_Camera-video-index0"

    /// A webcam offering YUYV and MJPEG at 64x48 and 32x24, up to 25 fps.
    static let webcam = FakeCamera(formats: [
        .init(fourcc: .yuyv, name: "YUYV 4:2:2", sizes: [(64, 48), (32, 24)]),
        .init(fourcc: .mjpeg, name: "Motion-JPEG", compressed: true, sizes: [(64, 48)]),
    ])

    static let h264Camera = FakeCamera(formats: [
        .init(fourcc: .h264, name: "H.264", compressed: true, sizes: [(64, 48)]),
    ])

    static func config(
        _ format: FourCC? = .yuyv, width: Int = 1280, height: Int = 720, stall: Duration = .seconds(5)
    ) -> V4L2Config {
        V4L2Config(
            devicePath: path, pixelFormat: format, size: FrameSize(width: width, height: height),
            framesPerSecond: 30, stallTimeout: stall)
    }

    static func source(_ kernel: FakeKernel, _ config: V4L2Config = config(), time: ManualTime = ManualTime())
        -> V4L2Source
    {
        V4L2Source(config: config, time: time, kernel: kernel)
    }

    /// A whole 64x48 YUYV picture.
    static let yuyvFrame = [UInt8](repeating: 0x80, count: 64 * 48 * 2)
    /// A (tiny, fake) JPEG.
    static let jpegFrame: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0xFF, 0xD9]
    static let idr: [UInt8] = [0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xCE, 0, 0, 1, 0x65, 0x88, 0x84]
    static let predicted: [UInt8] = [0, 0, 0, 1, 0x41, 0x9A, 0x02]

    static func frame(_ sequence: UInt32, _ bytes: [UInt8] = yuyvFrame) -> FakeEvent {
        .frame(bytes, sequence: sequence)
    }
}
