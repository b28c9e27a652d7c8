import CV4L2
import EdgeCore
import EdgeSystem
import JPEGEncoding

/// One streaming run of a camera, from open to STREAMOFF: its descriptor, its mapped
/// buffers and the format the driver granted. Whatever point opening fails at, the
/// owners free what was made so far (mappings first: each keeps its device open).
final class CaptureSession {
    let path: String
    let device: DeviceHandle
    let format: StreamFormat
    let granted: GrantedFormat
    let stallTimeout: Duration
    let time: any TimeSource
    var buffers: [BufferMapping]
    let compression: Compression
    /// Raw pictures are copied here so their buffer goes back to the driver at once.
    var scratch: [UInt8] = []
    var sequence = SequenceUnwrapper()
    private var isStreaming = false

    /// How raw pictures become JPEG.
    enum Compression {
        case none
        case raw(RawFrameCompressor, RawFrameCompressor.Layout)
        case planar420(JPEGEncoder)
    }

    /// Opens `config.devicePath`, negotiates, maps buffers and starts streaming.
    static func start(
        _ config: V4L2Config, kernel: any V4L2Kernel, time: any TimeSource
    ) throws(SourceFailure) -> CaptureSession {
        let path = config.devicePath
        do {
            var device = try DeviceHandle(path: path, converting: false, kernel: kernel)
            var identity = CameraIdentity(try device.capabilities())
            try identity.requireCapture(path)
            var offered = try device.formats().map { FourCC(rawValue: $0.pixelformat) }
            var choice = Self.choose(offered, preferring: config.pixelFormat)
            if choice == nil || identity.isMultiplanarOnly {
                // Only libv4l2 can turn what this camera sends into something we record.
                try device.close()
                device = try DeviceHandle(path: path, converting: true, kernel: kernel)
                identity = CameraIdentity(try device.capabilities())
                offered = try device.formats().map { FourCC(rawValue: $0.pixelformat) }
                choice = Self.choose(offered, preferring: config.pixelFormat)
            }
            guard let choice else {
                let list = offered.map(\.description).joined(separator: ", ")
                throw SourceFailure(
                    .unusable, "camera \(path) (\(identity.name)) offers \(list.isEmpty ? "no format" : list), "
                        + "none of which can be recorded; it needs one of "
                        + FourCC.recordable.map(\.description).joined(separator: ", "))
            }
            let granted = try GrantedFormat.negotiate(device, config: config, choice: choice, identity: identity)
            return try CaptureSession(
                path: path, device: device, granted: granted, identity: identity, config: config, time: time)
        } catch let failure as SourceFailure {
            throw failure
        } catch let error as SystemError {
            throw SourceFailure.v4l2(error, device: path)
        } catch {
            throw SourceFailure(.unusable, "camera \(path): \(error)")
        }
    }

    /// The preferred format when offered, else the best recordable one offered.
    static func choose(_ offered: [FourCC], preferring: FourCC?) -> FourCC? {
        if let preferring, preferring.handling != nil, offered.contains(preferring) { return preferring }
        return FourCC.recordable.first(where: offered.contains)
    }

    private init(
        path: String, device: DeviceHandle, granted: GrantedFormat, identity: CameraIdentity,
        config: V4L2Config, time: any TimeSource
    ) throws {
        self.path = path
        self.device = device
        self.granted = granted
        self.stallTimeout = config.stallTimeout
        self.time = time
        self.buffers = []
        let quality = config.jpegQuality
        var output = ""
        switch granted.handling {
        case .passThrough(let codec):
            compression = .none
            output = "\(codec.rawValue) passed through"
        case .compress(let layout):
            compression = .raw(try RawFrameCompressor(quality: quality), layout)
            output = "→ JPEG q\(quality)"
        case .compressPlanar420:
            compression = .planar420(try JPEGEncoder(quality: quality))
            output = "→ JPEG q\(quality)"
        }
        let converted = device.isConverting ? " (converted by libv4l2)" : ""
        let asked = config.pixelFormat.map { $0 == granted.fourcc ? "" : ", \($0) not offered" } ?? ""
        let detail = "\(identity.name) \(granted.fourcc)\(converted) \(granted.size)@\(granted.rate) \(output)\(asked)"
        format = StreamFormat(
            codec: granted.handling.codec, size: granted.size, frameRate: granted.rate, detail: detail)

        let count = try device.requestBuffers(max(config.bufferCount, 4))
        guard count >= 2 else {
            throw SourceFailure(
                .lost, "camera \(path) granted only \(count) buffers (at least 2 are needed): "
                    + "lower the size or the buffer count; retrying")
        }
        for index in 0..<UInt32(count) {
            let info = try device.queryBuffer(index)
            buffers.append(
                try BufferMapping(device: device, index: index, length: Int(info.length), offset: Int64(info.m.offset)))
        }
        for buffer in buffers { try device.queue(buffer.index) }
        try device.setStreaming(true)
        isStreaming = true
    }

    deinit { stop() }

    /// STREAMOFF, unmaps every buffer and closes the device. Errors are not reported:
    /// the descriptor and mappings are gone either way, and the camera is reopened anew.
    func stop() {
        if isStreaming {
            isStreaming = false
            try? device.setStreaming(false)
        }
        buffers.removeAll()
        try? device.close()
    }
}

extension FrameHandling {
    var codec: VideoCodec {
        if case .passThrough(let codec) = self { return codec }
        return .mjpeg
    }
}
