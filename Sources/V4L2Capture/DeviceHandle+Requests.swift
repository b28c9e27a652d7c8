import CV4L2
import EdgeCore
import EdgeSystem

/// The V4L2 requests capture uses, each over a kernel structure from <linux/videodev2.h>.
/// See Documentation/userspace-api/media/v4l/capture.c.rst for the reference loop.
extension DeviceHandle {
    static let captureType = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue

    func capabilities() throws(SystemError) -> v4l2_capability {
        var caps = v4l2_capability()
        try control(.queryCapabilities, &caps)
        return caps
    }

    /// Every capture format, in the driver's order.
    func formats() throws(SystemError) -> [v4l2_fmtdesc] {
        try enumerate(.enumerateFormats) { (d: inout v4l2_fmtdesc, i) in
            d.index = i
            d.type = Self.captureType
        }
    }

    func frameSizes(_ format: FourCC) throws(SystemError) -> [v4l2_frmsizeenum] {
        try enumerate(.enumerateFrameSizes) { (e: inout v4l2_frmsizeenum, i) in
            e.index = i
            e.pixel_format = format.rawValue
        }
    }

    func frameIntervals(_ format: FourCC, width: UInt32, height: UInt32) throws(SystemError) -> [v4l2_frmivalenum] {
        try enumerate(.enumerateFrameIntervals) { (e: inout v4l2_frmivalenum, i) in
            e.index = i
            e.pixel_format = format.rawValue
            e.width = width
            e.height = height
        }
    }

    /// The size the driver is set to now (its default on a fresh device).
    func currentSize() throws(SystemError) -> FrameSize {
        var f = v4l2_format()
        f.type = Self.captureType
        try control(.getFormat, &f)
        return FrameSize(width: Int(f.fmt.pix.width), height: Int(f.fmt.pix.height))
    }

    /// Asks for `format` at `width`x`height`; returns what the driver granted.
    func setFormat(_ format: FourCC, width: Int, height: Int) throws(SystemError) -> v4l2_pix_format {
        var f = v4l2_format()
        f.type = Self.captureType
        f.fmt.pix.pixelformat = format.rawValue
        f.fmt.pix.width = UInt32(clamping: width)
        f.fmt.pix.height = UInt32(clamping: height)
        f.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try control(.setFormat, &f)
        return f.fmt.pix
    }

    func streamParameters() throws(SystemError) -> v4l2_captureparm {
        var p = v4l2_streamparm()
        p.type = Self.captureType
        try control(.getParameters, &p)
        return p.parm.capture
    }

    /// Asks for `framesPerSecond`; returns the granted time per frame.
    func setFrameRate(_ framesPerSecond: Int) throws(SystemError) -> v4l2_fract {
        var p = v4l2_streamparm()
        p.type = Self.captureType
        p.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(clamping: framesPerSecond))
        try control(.setParameters, &p)
        return p.parm.capture.timeperframe
    }

    /// Asks for `count` memory-mapped buffers; returns how many the driver granted.
    func requestBuffers(_ count: Int) throws(SystemError) -> Int {
        var r = v4l2_requestbuffers()
        r.count = UInt32(clamping: count)
        r.type = Self.captureType
        r.memory = V4L2_MEMORY_MMAP.rawValue
        try control(.requestBuffers, &r)
        return Int(r.count)
    }

    func queryBuffer(_ index: UInt32) throws(SystemError) -> v4l2_buffer {
        var b = Self.buffer(index)
        try control(.queryBuffer, &b)
        return b
    }

    func queue(_ index: UInt32) throws(SystemError) {
        var b = Self.buffer(index)
        try control(.queueBuffer, &b)
    }

    /// Takes the oldest filled buffer; throws `EAGAIN` when none is ready.
    func dequeue() throws(SystemError) -> v4l2_buffer {
        var b = Self.buffer(0)
        try control(.dequeueBuffer, &b)
        return b
    }

    func setStreaming(_ on: Bool) throws(SystemError) {
        var type = Int32(bitPattern: Self.captureType)
        try control(on ? .streamOn : .streamOff, &type)
    }

    private static func buffer(_ index: UInt32) -> v4l2_buffer {
        var b = v4l2_buffer()
        b.index = index
        b.type = captureType
        b.memory = V4L2_MEMORY_MMAP.rawValue
        return b
    }

    /// Calls an ENUM request with index 0, 1, … until the driver answers EINVAL.
    private func enumerate<Entry>(
        _ request: V4L2Request, _ prepare: (inout Entry, UInt32) -> Void
    ) throws(SystemError) -> [Entry] where Entry: ZeroInitializable {
        var entries: [Entry] = []
        // A bound, so a driver that never says EINVAL cannot keep us here.
        for index in UInt32(0)..<1024 {
            var entry = Entry()
            prepare(&entry, index)
            do throws(SystemError) {
                try control(request, &entry)
            } catch where error.code == EINVAL {
                break
            }
            entries.append(entry)
        }
        return entries
    }
}

/// Kernel structures that start zeroed (`init()` is memset 0 for imported C structs).
protocol ZeroInitializable { init() }
extension v4l2_fmtdesc: ZeroInitializable {}
extension v4l2_frmsizeenum: ZeroInitializable {}
extension v4l2_frmivalenum: ZeroInitializable {}

/// Text from a fixed-size, NUL-padded `__u8` array in a kernel structure.
func kernelString<Tuple>(_ tuple: Tuple) -> String {
    withUnsafeBytes(of: tuple) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
}
