import CV4L2
import EdgeCore

/// Who a device is and what it can do, from `VIDIOC_QUERYCAP`.
struct CameraIdentity {
    var driver: String
    var card: String
    var bus: String
    /// "6.1.0": the kernel version the driver came with.
    var driverVersion: String
    /// The capabilities of this node (`device_caps` when the driver gives them, since
    /// `capabilities` covers every node of the physical device).
    var capabilities: UInt32

    init(_ caps: v4l2_capability) {
        driver = kernelString(caps.driver)
        card = kernelString(caps.card)
        bus = kernelString(caps.bus_info)
        driverVersion = "\(caps.version >> 16).\((caps.version >> 8) & 0xFF).\(caps.version & 0xFF)"
        let hasDeviceCaps = caps.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0
        capabilities = hasDeviceCaps ? caps.device_caps : caps.capabilities
    }

    func has(_ flag: Int32) -> Bool { capabilities & UInt32(bitPattern: flag) != 0 }

    /// "vivid", or "uvcvideo "HD Pro Webcam C920"" when the card says more than the driver.
    var name: String { card.isEmpty || card == driver ? driver : "\(driver) \"\(card)\"" }

    /// Single-planar capture needs libv4l2's mplane plugin to reach this device.
    var isMultiplanarOnly: Bool {
        !has(V4L2_CAP_VIDEO_CAPTURE) && has(V4L2_CAP_VIDEO_CAPTURE_MPLANE)
    }

    /// Refuses a node that cannot capture video by streaming, saying what it lacks.
    func requireCapture(_ path: String) throws(SourceFailure) {
        let lacks: String
        if !has(V4L2_CAP_VIDEO_CAPTURE) && !has(V4L2_CAP_VIDEO_CAPTURE_MPLANE) {
            let hint = has(V4L2_CAP_META_CAPTURE)
                ? " (it is a metadata node: UVC cameras also have a video node, often the one numbered just below)"
                : ""
            lacks = "video capture\(hint)"
        } else if !has(V4L2_CAP_STREAMING) {
            lacks = "streaming I/O (it offers only read())"
        } else {
            return
        }
        throw SourceFailure(.unusable, "\(path) (\(name)) cannot be recorded: it lacks \(lacks); check the device path")
    }

    /// The capabilities of this node, by name.
    var capabilityNames: [String] {
        Self.named.filter { has($0.flag) }.map(\.name)
    }

    private static let named: [(flag: Int32, name: String)] = [
        (V4L2_CAP_VIDEO_CAPTURE, "video-capture"),
        (V4L2_CAP_VIDEO_CAPTURE_MPLANE, "video-capture-mplane"),
        (V4L2_CAP_VIDEO_OUTPUT, "video-output"),
        (V4L2_CAP_VIDEO_M2M, "video-m2m"),
        (V4L2_CAP_META_CAPTURE, "metadata-capture"),
        (V4L2_CAP_VBI_CAPTURE, "vbi-capture"),
        (V4L2_CAP_TUNER, "tuner"),
        (V4L2_CAP_AUDIO, "audio"),
        (V4L2_CAP_READWRITE, "read-write"),
        (V4L2_CAP_STREAMING, "streaming"),
        (V4L2_CAP_EXT_PIX_FORMAT, "extended-pix-format"),
        (V4L2_CAP_IO_MC, "media-controller"),
    ]
}
