import CV4L2
import EdgeSystem
import V4L2Capture

/// The driver half of the fake kernel: answers one ioctl on one device as a V4L2 driver
/// would (capture.c.rst), granting the nearest size and at most its frame rate.
struct FakeDriver {
    let camera: FakeCamera
    let request: V4L2Request
    let argument: UnsafeMutableRawPointer

    func handle(_ d: inout FakeKernel.Device, pending: inout FakeEvent?, mistakes: inout [String]) throws(SystemError) {
        let formats = camera.formats + (d.converting ? camera.converted : [])
        switch request {
        case .queryCapabilities:
            let caps = argument.assumingMemoryBound(to: v4l2_capability.self)
            setText(&caps.pointee.driver, camera.driver)
            setText(&caps.pointee.card, camera.card)
            setText(&caps.pointee.bus_info, camera.bus)
            caps.pointee.version = 6 << 16 | 1 << 8
            caps.pointee.capabilities = camera.capabilities | UInt32(V4L2_CAP_DEVICE_CAPS)
            caps.pointee.device_caps = camera.capabilities
        case .enumerateFormats:
            let f = argument.assumingMemoryBound(to: v4l2_fmtdesc.self)
            guard formats.indices.contains(Int(f.pointee.index)) else { throw fail(EINVAL) }
            let format = formats[Int(f.pointee.index)]
            f.pointee.pixelformat = format.fourcc.rawValue
            f.pointee.flags = format.compressed ? UInt32(V4L2_FMT_FLAG_COMPRESSED) : 0
            setText(&f.pointee.description, format.name)
        case .enumerateFrameSizes:
            let e = argument.assumingMemoryBound(to: v4l2_frmsizeenum.self)
            guard let format = formats.first(where: { $0.fourcc.rawValue == e.pointee.pixel_format }),
                format.sizes.indices.contains(Int(e.pointee.index))
            else { throw fail(EINVAL) }
            e.pointee.type = V4L2_FRMSIZE_TYPE_DISCRETE.rawValue
            e.pointee.discrete.width = format.sizes[Int(e.pointee.index)].width
            e.pointee.discrete.height = format.sizes[Int(e.pointee.index)].height
        case .enumerateFrameIntervals:
            let e = argument.assumingMemoryBound(to: v4l2_frmivalenum.self)
            let rates = [camera.maxFramesPerSecond, 5]
            guard rates.indices.contains(Int(e.pointee.index)) else { throw fail(EINVAL) }
            e.pointee.type = V4L2_FRMIVAL_TYPE_DISCRETE.rawValue
            e.pointee.discrete = v4l2_fract(numerator: 1, denominator: rates[Int(e.pointee.index)])
        case .setFormat:
            guard !d.streaming else { throw fail(EBUSY) }
            let f = argument.assumingMemoryBound(to: v4l2_format.self)
            let asked = f.pointee.fmt.pix
            let format = formats.first(where: { $0.fourcc.rawValue == asked.pixelformat }) ?? formats[0]
            let size = format.sizes.min(by: {
                distance($0, asked) < distance($1, asked)
            })!
            d.fourcc = format.fourcc
            (d.width, d.height) = size
            d.stride = format.fourcc == .yuyv ? size.width * 2 : format.compressed ? 0 : size.width
            let onePlane = format.fourcc == .yuyv || format.fourcc == .grey
            d.sizeImage = format.compressed ? 65536 : d.stride * size.height * (onePlane ? 2 : 3) / 2
            if onePlane { d.sizeImage = d.stride * size.height }
            f.pointee.fmt.pix.pixelformat = format.fourcc.rawValue
            f.pointee.fmt.pix.width = size.width
            f.pointee.fmt.pix.height = size.height
            f.pointee.fmt.pix.bytesperline = d.stride
            f.pointee.fmt.pix.sizeimage = d.sizeImage
        case .getFormat:
            let f = argument.assumingMemoryBound(to: v4l2_format.self)
            let size = d.width > 0 ? (d.width, d.height) : formats[0].sizes[0]
            f.pointee.fmt.pix.pixelformat = (d.width > 0 ? d.fourcc : formats[0].fourcc).rawValue
            (f.pointee.fmt.pix.width, f.pointee.fmt.pix.height) = size
        case .getParameters, .setParameters:
            let p = argument.assumingMemoryBound(to: v4l2_streamparm.self)
            if request == .setParameters {
                let t = p.pointee.parm.capture.timeperframe
                if t.numerator > 0 { d.framesPerSecond = min(t.denominator / t.numerator, camera.maxFramesPerSecond) }
            }
            p.pointee.parm.capture.capability = UInt32(V4L2_CAP_TIMEPERFRAME)
            p.pointee.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: d.framesPerSecond)
        case .requestBuffers:
            let r = argument.assumingMemoryBound(to: v4l2_requestbuffers.self)
            guard r.pointee.memory == V4L2_MEMORY_MMAP.rawValue else { throw fail(EINVAL) }
            guard !d.buffers.contains(where: { $0.memory != nil }) else { throw fail(EBUSY) }
            r.pointee.count = min(r.pointee.count, UInt32(camera.maxBuffers))
            d.buffers = Array(repeating: .init(length: Int(d.sizeImage)), count: Int(r.pointee.count))
        case .queryBuffer:
            let b = argument.assumingMemoryBound(to: v4l2_buffer.self)
            guard d.buffers.indices.contains(Int(b.pointee.index)) else { throw fail(EINVAL) }
            b.pointee.length = UInt32(d.buffers[Int(b.pointee.index)].length)
            b.pointee.m.offset = b.pointee.index * 0x10000
        case .queueBuffer:
            let i = Int(argument.assumingMemoryBound(to: v4l2_buffer.self).pointee.index)
            guard d.buffers.indices.contains(i), d.buffers[i].memory != nil, !d.buffers[i].queued else {
                mistakes.append("QBUF of buffer \(i) that is unknown, unmapped or already queued")
                throw fail(EINVAL)
            }
            d.buffers[i].queued = true
            d.queue.append(i)
        case .dequeueBuffer:
            try dequeue(&d, pending: &pending, mistakes: &mistakes)
        case .streamOn:
            d.streaming = true
        case .streamOff:
            d.streaming = false
            for i in d.buffers.indices { d.buffers[i].queued = false }
            d.queue = []
        default:
            throw fail(ENOTTY)
        }
    }

    private func dequeue(_ d: inout FakeKernel.Device, pending: inout FakeEvent?, mistakes: inout [String]) throws(SystemError) {
        let event = pending
        pending = nil
        switch event {
        case .frame(let bytes, let sequence, let flags, let bytesused, let time):
            guard d.streaming, let index = d.queue.first else {
                mistakes.append("DQBUF with no buffer queued")
                throw fail(EINVAL)
            }
            d.queue.removeFirst()
            d.buffers[index].queued = false
            let memory = d.buffers[index].memory!
            memory.copyMemory(from: bytes, byteCount: min(bytes.count, d.buffers[index].length))
            let b = argument.assumingMemoryBound(to: v4l2_buffer.self)
            b.pointee.index = UInt32(index)
            b.pointee.bytesused = UInt32(bytesused ?? bytes.count)
            b.pointee.sequence = sequence
            b.pointee.flags = flags
            if let (seconds, microseconds) = time {
                b.pointee.flags |= UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC)
                b.pointee.timestamp.tv_sec = .init(seconds)
                b.pointee.timestamp.tv_usec = .init(microseconds)
            }
        case .failure(let code):
            throw fail(code)
        default:
            throw fail(EAGAIN)
        }
    }

    private func fail(_ code: Int32) -> SystemError { SystemError(code: code, call: request.name) }
}

private func distance(_ size: (width: UInt32, height: UInt32), _ asked: v4l2_pix_format) -> Int {
    abs(Int(size.width) - Int(asked.width)) + abs(Int(size.height) - Int(asked.height))
}

private func setText<Tuple>(_ field: inout Tuple, _ text: String) {
    withUnsafeMutableBytes(of: &field) { bytes in
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
        bytes.copyBytes(from: text.utf8.prefix(bytes.count - 1))
    }
}
