import CV4L2
import EdgeCore
import EdgeSystem
import JPEGEncoding

extension CaptureSession {
    /// Waits for the next whole frame, watching `stop` too. Returns nil once `stop` is
    /// signalled; throws `.stalled` when no frame came within the stall timeout and
    /// `.lost` when the device went away. Short or corrupt frames are skipped and counted.
    func nextFrame(stop: Wakeup, counters: inout V4L2Counters) throws(SourceFailure) -> Frame? {
        let start = time.monotonicNow()
        while true {
            let remaining = stallTimeout - (time.monotonicNow() - start)
            guard remaining > .zero else { throw stalled() }
            switch try wait(stop: stop, timeout: remaining) {
            case .stopped: return nil
            case .timedOut: throw stalled()
            case .nothing: continue
            case .readable: break
            }
            let buffer: v4l2_buffer
            do throws(SystemError) {
                buffer = try device.dequeue()
            } catch where error.code == EAGAIN {
                counters.retries += 1
                continue
            } catch {
                throw SourceFailure.v4l2(error, device: path)
            }
            if let frame = try take(buffer, counters: &counters) { return frame }
        }
    }

    private enum Readiness { case readable, stopped, timedOut, nothing }

    private func wait(stop: Wakeup, timeout: Duration) throws(SourceFailure) -> Readiness {
        var fds = [
            pollfd(fd: device.fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stop.fd, events: Int16(POLLIN), revents: 0),
        ]
        let milliseconds = Int32(clamping: (timeout.nanoseconds + 999_999) / 1_000_000)
        let ready: Int
        do throws(SystemError) {
            ready = try fds.withUnsafeMutableBufferPointer { (p) throws(SystemError) in
                try device.kernel.poll(p, timeoutMilliseconds: milliseconds)
            }
        } catch {
            throw SourceFailure.v4l2(error, device: path)
        }
        if fds[1].revents & Int16(POLLIN) != 0 { return .stopped }
        if ready == 0 { return .timedOut }
        let events = fds[0].revents
        for (flag, name) in [(POLLHUP, "POLLHUP"), (POLLERR, "POLLERR"), (POLLNVAL, "POLLNVAL")]
        where events & Int16(flag) != 0 {
            throw SourceFailure(.lost, "camera \(path) disappeared (\(name)): check the cable; retrying")
        }
        return events & Int16(POLLIN) != 0 ? .readable : .nothing
    }

    private func stalled() -> SourceFailure {
        let seconds = stallTimeout.nanoseconds % 1_000_000_000 == 0
            ? "\(stallTimeout.nanoseconds / 1_000_000_000)" : "\(stallTimeout.seconds)"
        return SourceFailure(
            .stalled, "camera \(path) sent no frame for \(seconds) s: check its power, cable and lighting; retrying")
    }

    /// Copies a dequeued buffer out, gives it back to the driver at once, and makes the
    /// frame; nil for a frame that is skipped (short, flagged corrupt, not compressible).
    private func take(_ buffer: v4l2_buffer, counters: inout V4L2Counters) throws(SourceFailure) -> Frame? {
        guard let mapping = buffers.first(where: { $0.index == buffer.index }) else {
            throw SourceFailure(
                .lost, "camera \(path) returned buffer \(buffer.index) of \(buffers.count): "
                    + "the driver is confused; reopening")
        }
        let used = Int(buffer.bytesused)
        let corrupt = buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0
        let needed = granted.handling.expectedBytes(granted.size, stride: granted.stride) ?? 1
        let short = used < needed || used > mapping.length
        var payload: [UInt8] = []
        if !corrupt && !short {
            if case .passThrough = granted.handling {
                payload = Array(mapping.bytes(used))
            } else {
                copyToScratch(mapping.bytes(used))
            }
        }
        do throws(SystemError) {
            try device.queue(buffer.index)
        } catch {
            throw SourceFailure.v4l2(error, device: path)
        }
        if short { counters.shortFrames += 1 }
        if corrupt && !short { counters.corruptFrames += 1 }
        if corrupt || short { return nil }

        guard let (bytes, codec, isKeyframe) = encode(payload, flags: buffer.flags) else {
            counters.corruptFrames += 1
            return nil
        }
        return Frame(
            bytes: bytes, codec: codec, size: granted.size, isKeyframe: isKeyframe,
            captureTime: captureTime(buffer), sequence: sequence.unwrap(buffer.sequence))
    }

    private func encode(_ payload: [UInt8], flags: UInt32) -> (bytes: [UInt8], codec: VideoCodec, isKeyframe: Bool)? {
        switch (compression, granted.handling) {
        case (.none, .passThrough(.mjpeg)):
            // A JPEG starts with SOI (FF D8); anything else is a torn or garbage frame.
            guard payload.count >= 2, payload[0] == 0xFF, payload[1] == 0xD8 else { return nil }
            return (payload, .mjpeg, true)
        case (.none, .passThrough(let codec)):
            let keyframe = flags & UInt32(V4L2_BUF_FLAG_KEYFRAME) != 0
                || KeyframeScan.containsKeyframe(payload, codec: codec)
            return (payload, codec, keyframe)
        case (.raw(let compressor, let layout), _):
            let stride = granted.stride
            let jpeg = try? scratch.withUnsafeBytes { raw in
                try compressor.compress(raw, layout: layout, size: granted.size, stride: stride)
            }
            return jpeg.map { ($0, .mjpeg, true) }
        case (.planar420(let encoder), _):
            let w = granted.size.width, h = granted.size.height
            let jpeg = try? scratch.withUnsafeBufferPointer { p in
                let y = p.baseAddress!, u = y + w * h, v = u + (w / 2) * ((h + 1) / 2)
                return try encoder.encodePlanar(y: y, u: u, v: v, size: granted.size, chroma: .yuv420)
            }
            return jpeg.map { ($0, .mjpeg, true) }
        case (.none, _):
            return nil
        }
    }

    private func copyToScratch(_ bytes: UnsafeRawBufferPointer) {
        if scratch.count != bytes.count { scratch = [UInt8](repeating: 0, count: bytes.count) }
        scratch.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
    }

    /// The driver's timestamp when it is on CLOCK_MONOTONIC; otherwise now.
    private func captureTime(_ buffer: v4l2_buffer) -> MonotonicInstant {
        let source = buffer.flags & UInt32(V4L2_BUF_FLAG_TIMESTAMP_MASK)
        let stamp = buffer.timestamp
        guard source == UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), stamp.tv_sec != 0 || stamp.tv_usec != 0 else {
            return time.monotonicNow()
        }
        // From the driver: saturating, so a wild timestamp cannot trap the capture thread.
        return MonotonicInstant(seconds: Int64(stamp.tv_sec), nanoseconds: Int64(stamp.tv_usec) % 1_000_000 * 1_000)
    }
}
