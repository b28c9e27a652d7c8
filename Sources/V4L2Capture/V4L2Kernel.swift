import CV4L2
import EdgeSystem

/// The system calls a V4L2 capture makes, behind one seam so tests can play the kernel
/// (as swift-system mocks its syscalls). Failures arrive as `SystemError` with `errno`;
/// `EINTR` never does: implementations retry it.
package protocol V4L2Kernel: Sendable {
    /// Opens a device node read-write and non-blocking. `converting` opens it through
    /// libv4l2, which adds formats it converts in user space.
    func open(_ path: String, converting: Bool) throws(SystemError) -> Int32
    func close(_ fd: Int32) throws(SystemError)
    func ioctl(_ fd: Int32, _ request: V4L2Request, _ argument: UnsafeMutableRawPointer) throws(SystemError)
    /// Maps `length` bytes of a driver buffer at `offset`, shared and writable.
    func mmap(_ fd: Int32, length: Int, offset: Int64) throws(SystemError) -> UnsafeMutableRawPointer
    func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(SystemError)
    /// Waits for events on `fds`; returns how many have events (0 on timeout).
    func poll(_ fds: UnsafeMutableBufferPointer<pollfd>, timeoutMilliseconds: Int32) throws(SystemError) -> Int
}

/// An ioctl request number with its C name, for error messages.
package struct V4L2Request: Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt
    package let name: String
    init(_ rawValue: UInt, _ name: String) {
        self.rawValue = rawValue
        self.name = name
    }
    package var description: String { name }

    /// `VIDIOC_QUERYCAP`
    package static let queryCapabilities = Self(CV4L2_VIDIOC_QUERYCAP, "VIDIOC_QUERYCAP")
    /// `VIDIOC_ENUM_FMT`
    package static let enumerateFormats = Self(CV4L2_VIDIOC_ENUM_FMT, "VIDIOC_ENUM_FMT")
    /// `VIDIOC_ENUM_FRAMESIZES`
    package static let enumerateFrameSizes = Self(CV4L2_VIDIOC_ENUM_FRAMESIZES, "VIDIOC_ENUM_FRAMESIZES")
    /// `VIDIOC_ENUM_FRAMEINTERVALS`
    package static let enumerateFrameIntervals = Self(
        CV4L2_VIDIOC_ENUM_FRAMEINTERVALS, "VIDIOC_ENUM_FRAMEINTERVALS")
    /// `VIDIOC_G_FMT`
    package static let getFormat = Self(CV4L2_VIDIOC_G_FMT, "VIDIOC_G_FMT")
    /// `VIDIOC_S_FMT`
    package static let setFormat = Self(CV4L2_VIDIOC_S_FMT, "VIDIOC_S_FMT")
    /// `VIDIOC_G_PARM`
    package static let getParameters = Self(CV4L2_VIDIOC_G_PARM, "VIDIOC_G_PARM")
    /// `VIDIOC_S_PARM`
    package static let setParameters = Self(CV4L2_VIDIOC_S_PARM, "VIDIOC_S_PARM")
    /// `VIDIOC_REQBUFS`
    package static let requestBuffers = Self(CV4L2_VIDIOC_REQBUFS, "VIDIOC_REQBUFS")
    /// `VIDIOC_QUERYBUF`
    package static let queryBuffer = Self(CV4L2_VIDIOC_QUERYBUF, "VIDIOC_QUERYBUF")
    /// `VIDIOC_QBUF`
    package static let queueBuffer = Self(CV4L2_VIDIOC_QBUF, "VIDIOC_QBUF")
    /// `VIDIOC_DQBUF`
    package static let dequeueBuffer = Self(CV4L2_VIDIOC_DQBUF, "VIDIOC_DQBUF")
    /// `VIDIOC_STREAMON`
    package static let streamOn = Self(CV4L2_VIDIOC_STREAMON, "VIDIOC_STREAMON")
    /// `VIDIOC_STREAMOFF`
    package static let streamOff = Self(CV4L2_VIDIOC_STREAMOFF, "VIDIOC_STREAMOFF")
}

/// The real kernel, through libv4l2's calls.
///
/// libv4l2 earns its place only for cameras whose formats we cannot record as they are
/// (Bayer sensors, vendor-compressed webcams, multi-planar-only CSI drivers through its
/// mplane plugin): `V4L2Source` opens those with `converting: true` (v4l2_open) and asks
/// for planar YUV 4:2:0, which libv4l2 produces in user space. Every other device is
/// opened with plain open(2), and for such a descriptor v4l2_ioctl/v4l2_mmap/v4l2_munmap/
/// v4l2_close are the bare system calls.
package struct LinuxV4L2: V4L2Kernel {
    package init() {}

    package func open(_ path: String, converting: Bool) throws(SystemError) -> Int32 {
        let flags = O_RDWR | O_NONBLOCK | O_CLOEXEC
        return try retryingInterrupts(converting ? "v4l2_open" : "open", path) {
            converting ? CV4L2_v4l2_open(path, flags) : CV4L2_open(path, flags)
        }
    }

    package func close(_ fd: Int32) throws(SystemError) {
        // Linux frees the descriptor even when close fails with EINTR: never retry it.
        if v4l2_close(fd) == -1, errno != EINTR {
            throw SystemError(code: errno, call: "close")
        }
    }

    package func ioctl(
        _ fd: Int32, _ request: V4L2Request, _ argument: UnsafeMutableRawPointer
    ) throws(SystemError) {
        _ = try retryingInterrupts(request.name) { CV4L2_v4l2_ioctl(fd, request.rawValue, argument) }
    }

    package func mmap(_ fd: Int32, length: Int, offset: Int64) throws(SystemError) -> UnsafeMutableRawPointer {
        guard let address = CV4L2_v4l2_mmap(fd, length, offset) else {
            throw SystemError(code: errno, call: "mmap")
        }
        return address
    }

    package func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(SystemError) {
        if v4l2_munmap(address, length) == -1 { throw SystemError(code: errno, call: "munmap") }
    }

    package func poll(
        _ fds: UnsafeMutableBufferPointer<pollfd>, timeoutMilliseconds: Int32
    ) throws(SystemError) -> Int {
        Int(try retryingInterrupts("poll") {
            CV4L2_poll(fds.baseAddress, UInt32(fds.count), timeoutMilliseconds)
        })
    }
}
