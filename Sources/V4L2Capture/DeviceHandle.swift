import EdgeSystem

/// An open V4L2 device node with exactly one owner, closed through the kernel seam by
/// `close()` or, failing that, when the owner lets go of it.
final class DeviceHandle {
    let fd: Int32
    let path: String
    let kernel: any V4L2Kernel
    /// Whether libv4l2 opened it (and converts formats for it).
    let isConverting: Bool
    private(set) var isOpen = true

    init(path: String, converting: Bool, kernel: any V4L2Kernel) throws(SystemError) {
        self.fd = try kernel.open(path, converting: converting)
        self.path = path
        self.kernel = kernel
        self.isConverting = converting
    }

    deinit {
        if isOpen { try? kernel.close(fd) }
    }

    /// Closes the descriptor; it is gone even when the kernel reports an error.
    func close() throws(SystemError) {
        guard isOpen else { return }
        isOpen = false
        try kernel.close(fd)
    }

    /// Calls `request` with `value` (a kernel structure) as its argument.
    func control<Argument>(_ request: V4L2Request, _ value: inout Argument) throws(SystemError) {
        try withUnsafeMutableBytes(of: &value) { (bytes) throws(SystemError) in
            try kernel.ioctl(fd, request, bytes.baseAddress!)
        }
    }
}

/// One driver buffer mapped into memory. It keeps its device open, so a mapping is
/// always released before the descriptor it came from.
final class BufferMapping {
    let device: DeviceHandle
    let index: UInt32
    let address: UnsafeMutableRawPointer
    let length: Int

    init(device: DeviceHandle, index: UInt32, length: Int, offset: Int64) throws(SystemError) {
        self.address = try device.kernel.mmap(device.fd, length: length, offset: offset)
        self.device = device
        self.index = index
        self.length = length
    }

    deinit {
        try? device.kernel.munmap(address, length: length)
    }

    /// The first `count` bytes of the buffer (at most its length).
    func bytes(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: address, count: min(max(count, 0), length))
    }
}
