import CV4L2
import EdgeCore
import EdgeSystem
import JPEGEncoding

/// What the driver granted after `VIDIOC_S_FMT` and `VIDIOC_S_PARM`: the driver may
/// change the size, the rate and even the pixel format it was asked for.
struct GrantedFormat: Equatable {
    var fourcc: FourCC
    var handling: FrameHandling
    var size: FrameSize
    /// Bytes from one row to the next (`bytesperline`).
    var stride: Int
    var rate: FrameRate

    static func negotiate(
        _ device: DeviceHandle, config: V4L2Config, choice: FourCC, identity: CameraIdentity
    ) throws -> GrantedFormat {
        let path = config.devicePath
        let wanted = try config.size ?? device.currentSize()
        let pix = try device.setFormat(choice, width: wanted.width, height: wanted.height)
        let fourcc = FourCC(rawValue: pix.pixelformat)
        guard let handling = fourcc.handling else {
            throw SourceFailure(
                .unusable, "camera \(path) (\(identity.name)) was asked for \(choice) but switched to \(fourcc), "
                    + "which cannot be recorded; set another pixel format in the config")
        }
        let size = FrameSize(width: Int(pix.width), height: Int(pix.height))
        guard size.width > 0, size.height > 0 else {
            throw SourceFailure(.unusable, "camera \(path) granted an empty \(size) picture; check the driver")
        }
        let stride = Int(pix.bytesperline) > 0 ? Int(pix.bytesperline) : size.width * handling.bytesPerPixel
        if handling == .compressPlanar420, stride != size.width || size.width % 2 != 0 {
            throw SourceFailure(
                .unusable, "camera \(path) gives YU12 with \(stride)-byte rows for a \(size) picture, "
                    + "which is not supported; choose an even width")
        }
        let rate = try negotiateRate(device, framesPerSecond: config.framesPerSecond)
        return GrantedFormat(fourcc: fourcc, handling: handling, size: size, stride: stride, rate: rate)
    }

    /// Sets the rate where the driver allows it (`V4L2_CAP_TIMEPERFRAME`); else reports
    /// the driver's own, or the requested rate (30 if none) when the driver says nothing.
    private static func negotiateRate(_ device: DeviceHandle, framesPerSecond: Int?) throws(SystemError) -> FrameRate {
        let requested = FrameRate(frames: max(framesPerSecond ?? 30, 1))
        let parameters: v4l2_captureparm
        do throws(SystemError) {
            parameters = try device.streamParameters()
        } catch where error.code == EINVAL || error.code == ENOTTY {
            return requested
        }
        var perFrame = parameters.timeperframe
        if framesPerSecond != nil, parameters.capability & UInt32(V4L2_CAP_TIMEPERFRAME) != 0 {
            perFrame = try device.setFrameRate(requested.frames)
        }
        guard perFrame.numerator > 0, perFrame.denominator > 0 else { return requested }
        return FrameRate(frames: Int(perFrame.denominator), per: Int(perFrame.numerator))
    }
}

extension FrameHandling {
    /// Bytes per pixel in the first plane, for drivers that leave `bytesperline` 0.
    var bytesPerPixel: Int {
        if case .compress(.yuyv) = self { return 2 }
        return 1
    }

    /// The bytes a whole raw picture needs; nil for compressed streams.
    func expectedBytes(_ size: FrameSize, stride: Int) -> Int? {
        switch self {
        case .passThrough: nil
        case .compress(let layout): RawFrameCompressor.expectedBytes(layout, size, stride: stride)
        case .compressPlanar420: stride * size.height + 2 * (stride / 2) * ((size.height + 1) / 2)
        }
    }
}
