import CV4L2
import EdgeSystem
import V4L2Capture

/// A camera as the fake kernel presents it.
struct FakeCamera {
    struct Format {
        var fourcc: FourCC
        var name: String
        var compressed = false
        var sizes: [(width: UInt32, height: UInt32)]
    }
    var driver = "fakecam"
    var card = "Fake Camera"
    var bus = "usb-0000:00:14.0-1"
    var capabilities = UInt32(V4L2_CAP_VIDEO_CAPTURE) | UInt32(V4L2_CAP_STREAMING)
    var formats: [Format]
    /// Formats libv4l2 adds when the device is opened through it.
    var converted: [Format] = []
    var maxFramesPerSecond: UInt32 = 25
    var maxBuffers = 8
}

/// What the camera does next, one step per poll.
enum FakeEvent {
    /// A filled buffer: `bytes` copied in, `bytesused` as given (default: the bytes' count).
    case frame([UInt8], sequence: UInt32, flags: UInt32 = 0, bytesused: Int? = nil, time: (Int, Int)? = nil)
    /// Poll says readable but DQBUF finds nothing (EAGAIN).
    case wouldBlock
    /// DQBUF fails with this errno.
    case failure(Int32)
    /// Poll reports POLLHUP | POLLERR (unplugged).
    case hangup
    /// Poll times out (as it does once the script is over).
    case silence
}

/// A kernel behind the `V4L2Kernel` seam: one camera per path, descriptors from 1000 up,
/// buffers in ordinary memory. It counts what is open and mapped, and fails a chosen
/// call on demand.
final class FakeKernel: V4L2Kernel, @unchecked Sendable {
    // @unchecked: all state sits behind `state`'s lock; raw pointers in it are not Sendable.
    struct Buffer {
        var memory: UnsafeMutableRawPointer?
        var length: Int
        var queued = false
    }
    struct Device {
        var path: String
        var converting: Bool
        var fourcc = FourCC.yuyv
        var width: UInt32 = 0, height: UInt32 = 0, stride: UInt32 = 0, sizeImage: UInt32 = 0
        var framesPerSecond: UInt32 = 30
        var buffers: [Buffer] = []
        var queue: [Int] = []
        var streaming = false
    }
    struct State {
        var cameras: [String: FakeCamera] = [:]
        var devices: [Int32: Device] = [:]
        var nextFD: Int32 = 1000
        var mappings: [UnsafeMutableRawPointer: Int] = [:]
        var script: [FakeEvent] = []
        var pending: FakeEvent?
        /// Fail the n-th (from 1) call named so with this errno: ("VIDIOC_REQBUFS", 1, ENOMEM).
        var failures: [(call: String, nth: Int, code: Int32)] = []
        var callCounts: [String: Int] = [:]
        var calls: [String] = []
        var convertingOpens = 0
        var mistakes: [String] = []
    }
    let state = Locked(State())

    init(_ cameras: [String: FakeCamera], script: [FakeEvent] = []) {
        state.withLock {
            $0.cameras = cameras
            $0.script = script
        }
    }

    var openDescriptors: Int { state.withLock { $0.devices.count } }
    var mappedBuffers: Int { state.withLock { $0.mappings.count } }
    var calls: [String] { state.withLock { $0.calls } }
    /// Misuses a real kernel would punish: double QBUF, unmapping what is not mapped…
    var mistakes: [String] { state.withLock { $0.mistakes } }
    var convertingOpens: Int { state.withLock { $0.convertingOpens } }
    var queuedBuffers: Int { state.withLock { $0.devices.values.reduce(0) { $0 + $1.queue.count } } }

    func fail(_ call: String, nth: Int = 1, with code: Int32) {
        state.withLock { $0.failures.append((call, nth, code)) }
    }

    func append(_ events: [FakeEvent]) { state.withLock { $0.script += events } }

    private static func check(_ s: inout State, _ call: String) throws(SystemError) {
        s.calls.append(call)
        s.callCounts[call, default: 0] += 1
        if let f = s.failures.first(where: { $0.call == call && $0.nth == s.callCounts[call] }) {
            throw SystemError(code: f.code, call: call)
        }
    }

    func open(_ path: String, converting: Bool) throws(SystemError) -> Int32 {
        try state.withLock { (s) throws(SystemError) in
            try Self.check(&s, "open")
            guard s.cameras[path] != nil else { throw SystemError(code: ENOENT, call: "open", subject: path) }
            let fd = s.nextFD
            s.nextFD += 1
            s.devices[fd] = Device(path: path, converting: converting)
            if converting { s.convertingOpens += 1 }
            return fd
        }
    }

    func close(_ fd: Int32) throws(SystemError) {
        try state.withLock { (s) throws(SystemError) in
            s.calls.append("close")
            guard s.devices.removeValue(forKey: fd) != nil else {
                s.mistakes.append("close of unknown fd \(fd)")
                throw SystemError(code: EBADF, call: "close")
            }
        }
    }

    func mmap(_ fd: Int32, length: Int, offset: Int64) throws(SystemError) -> UnsafeMutableRawPointer {
        try state.withLock { (s) throws(SystemError) in
            try Self.check(&s, "mmap")
            let index = Int(offset / 0x10000)
            guard let d = s.devices[fd], d.buffers.indices.contains(index), d.buffers[index].length == length else {
                throw SystemError(code: EINVAL, call: "mmap")
            }
            let memory = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 16)
            s.mappings[memory] = length
            s.devices[fd]!.buffers[index].memory = memory
            return memory
        }
    }

    func munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(SystemError) {
        try state.withLock { (s) throws(SystemError) in
            s.calls.append("munmap")
            guard s.mappings.removeValue(forKey: address) == length else {
                s.mistakes.append("munmap of unmapped memory")
                throw SystemError(code: EINVAL, call: "munmap")
            }
            // A real mapping outlives the descriptor; here the memory dies with the mapping.
            for fd in s.devices.keys {
                for i in s.devices[fd]!.buffers.indices where s.devices[fd]!.buffers[i].memory == address {
                    s.devices[fd]!.buffers[i].memory = nil
                }
            }
            address.deallocate()
        }
    }

    func poll(_ fds: UnsafeMutableBufferPointer<pollfd>, timeoutMilliseconds: Int32) throws(SystemError) -> Int {
        let ours = state.withLock { s in Set(s.devices.keys) }
        // The stop Wakeup is a real eventfd: ask the real kernel about it.
        var others = fds.filter { !ours.contains($0.fd) }
        if !others.isEmpty, CV4L2_poll(&others, UInt32(others.count), 0) > 0 {
            copyBack(others, into: fds)
            return others.filter { $0.revents != 0 }.count
        }
        let event: FakeEvent? = state.withLock { s in
            s.calls.append("poll")
            guard !s.script.isEmpty else { return nil }
            let e = s.script.removeFirst()
            if case .silence = e {} else if case .hangup = e {} else { s.pending = e }
            return e
        }
        // Past the end of the script the camera is silent: the wait times out at once,
        // so a test that expects more frames than it scripted fails fast, never hangs.
        guard let event else { return 0 }
        let revents: Int16
        switch event {
        case .silence: return 0
        case .hangup: revents = Int16(POLLHUP | POLLERR)
        default: revents = Int16(POLLIN)
        }
        for i in fds.indices where ours.contains(fds[i].fd) { fds[i].revents = revents }
        return 1
    }

    private func copyBack(_ polled: [pollfd], into fds: UnsafeMutableBufferPointer<pollfd>) {
        for p in polled { for i in fds.indices where fds[i].fd == p.fd { fds[i].revents = p.revents } }
    }

    func ioctl(_ fd: Int32, _ request: V4L2Request, _ argument: UnsafeMutableRawPointer) throws(SystemError) {
        try state.withLock { (s) throws(SystemError) in
            try Self.check(&s, request.name)
            guard var device = s.devices[fd], let camera = s.cameras[device.path] else {
                throw SystemError(code: EBADF, call: request.name)
            }
            defer { s.devices[fd] = device }
            try FakeDriver(camera: camera, request: request, argument: argument)
                .handle(&device, pending: &s.pending, mistakes: &s.mistakes)
        }
    }
}

/// A value behind a pthread mutex. (Synchronization's `Mutex` wants Sendable state; the
/// fake's holds raw pointers.)
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private var mutex = pthread_mutex_t()

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
