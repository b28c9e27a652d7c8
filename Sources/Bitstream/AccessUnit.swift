import EdgeCore

/// One coded picture: its NAL units (without start codes) and whether decoding can start
/// at it.
public struct AccessUnit: Sendable {
    public var nalUnits: [ArraySlice<UInt8>]
    public var isKeyframe: Bool

    /// The access unit in Annex-B form, as cameras deliver it.
    public var annexB: [UInt8] {
        var out: [UInt8] = []
        for unit in nalUnits { out += [0, 0, 0, 1]; out += unit }
        return out
    }
}

/// Groups the NAL units of an H.264 or H.265 elementary stream into access units
/// (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4): a picture ends where a parameter set, SEI or
/// delimiter follows its slices, or where a slice starts a new picture.
public struct AccessUnitSplitter {
    public let codec: VideoCodec
    private var pending: [ArraySlice<UInt8>] = []
    private var pendingHasSlice = false
    private var pendingKey = false

    public init(codec: VideoCodec) {
        precondition(codec != .mjpeg, "MJPEG has no NAL units")
        self.codec = codec
    }

    /// Feeds one NAL unit; returns the access unit it completed, if any.
    public mutating func push(_ unit: ArraySlice<UInt8>) -> AccessUnit? {
        let (isSlice, startsPicture, isKey) = classify(unit)
        var finished: AccessUnit? = nil
        if pendingHasSlice && (!isSlice || startsPicture) {
            finished = AccessUnit(nalUnits: pending, isKeyframe: pendingKey)
            pending = []
            pendingHasSlice = false
            pendingKey = false
        }
        pending.append(unit)
        if isSlice {
            pendingHasSlice = true
            pendingKey = pendingKey || isKey
        }
        return finished
    }

    /// The last access unit, at the end of the stream.
    public mutating func flush() -> AccessUnit? {
        defer { pending = []; pendingHasSlice = false; pendingKey = false }
        return pendingHasSlice ? AccessUnit(nalUnits: pending, isKeyframe: pendingKey) : nil
    }

    private func classify(_ unit: ArraySlice<UInt8>) -> (slice: Bool, starts: Bool, key: Bool) {
        switch codec {
        case .h264:
            let t = H264.type(unit)
            return (H264.isVCL(t), H264.isVCL(t) && H264.startsPicture(unit), t == H264.idr)
        case .h265:
            let t = H265.type(unit)
            // Suffix SEI belongs to the picture before it; with no picture before it, it
            // must not make one (an access unit without a slice).
            if t == H265.suffixSEI { return (pendingHasSlice, false, false) }
            return (H265.isVCL(t), H265.isVCL(t) && H265.startsPicture(unit), H265.isKeyframe(t))
        case .mjpeg:
            return (false, false, false)
        }
    }
}

/// The parameter sets seen in a stream, which become the Matroska CodecPrivate.
public struct ParameterSets: Sendable, Equatable {
    public var vps: [[UInt8]] = []
    public var sps: [[UInt8]] = []
    public var pps: [[UInt8]] = []
    public init() {}

    /// Records the parameter sets among `units`; returns whether anything changed.
    @discardableResult
    public mutating func collect(_ units: [ArraySlice<UInt8>], codec: VideoCodec) -> Bool {
        let before = self
        for unit in units {
            switch codec {
            case .h264:
                switch H264.type(unit) {
                case H264.sps: Self.replace(&sps, unit)
                case H264.pps: Self.replace(&pps, unit)
                default: break
                }
            case .h265:
                switch H265.type(unit) {
                case H265.vps: Self.replace(&vps, unit)
                case H265.sps: Self.replace(&sps, unit)
                case H265.pps: Self.replace(&pps, unit)
                default: break
                }
            case .mjpeg: break
            }
        }
        return self != before
    }

    // One parameter set of each kind is what cameras send; a new one replaces the old.
    private static func replace(_ list: inout [[UInt8]], _ unit: ArraySlice<UInt8>) {
        list = [Array(unit)]
    }

    /// The decoder configuration record for Matroska's CodecPrivate.
    public func decoderConfiguration(codec: VideoCodec) throws(BitstreamError) -> [UInt8] {
        switch codec {
        case .h264: try H264.decoderConfiguration(sps: sps.map { $0[...] }, pps: pps.map { $0[...] })
        case .h265:
            try H265.decoderConfiguration(vps: vps.map { $0[...] }, sps: sps.map { $0[...] }, pps: pps.map { $0[...] })
        case .mjpeg: []
        }
    }

    /// The picture size the SPS declares.
    public func pictureSize(codec: VideoCodec) throws(BitstreamError) -> FrameSize {
        guard let s = sps.first else { throw .missing("sequence parameter set (SPS)") }
        return codec == .h264 ? try H264.pictureSize(sps: s[...]) : try H265.pictureSize(sps: s[...])
    }

    /// Whether the stream has given every parameter set `codec` needs to start decoding.
    public func isComplete(for codec: VideoCodec) -> Bool {
        !sps.isEmpty && !pps.isEmpty && (codec != .h265 || !vps.isEmpty)
    }
}
