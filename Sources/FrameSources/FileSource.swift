import Bitstream
import EdgeCore
import EdgeSystem

/// Replays a recorded stream as a camera would deliver it: an MJPEG file (concatenated
/// JPEGs) or an H.264/H.265 Annex-B elementary stream, at a fixed frame rate, looping.
/// Compressed formats are tested with it without hardware.
///
/// The file is read and split into frames when the source opens; files over 256 MiB are
/// refused (replay files are short clips).
public final class FileSource: FrameSource {
    public static let sizeLimit = 256 << 20
    public let name: String
    private let codec: VideoCodec
    private let rate: FrameRate
    private let time: any TimeSource
    private var bytes: [UInt8] = []
    private var frames: [(range: Range<Int>, key: Bool)] = []
    private var size = FrameSize(width: 0, height: 0)
    private var position = 0
    private var pacer: Pacer

    public init(path: String, codec: VideoCodec, rate: FrameRate, time: any TimeSource) {
        name = path
        self.codec = codec
        self.rate = rate
        self.time = time
        pacer = Pacer(interval: rate.interval, time: time)
    }

    public func open() throws -> StreamFormat {
        do {
            bytes = try FileSystem.readFile(name, limit: Self.sizeLimit)
        } catch {
            let hint = error.code == EFBIG ? "replay files are limited to 256 MiB" : "check the path in the config"
            throw SourceFailure(.unusable, "cannot read \(name): \(error.reason); \(hint)")
        }
        do {
            try split()
        } catch {
            throw SourceFailure(.unusable, "\(name) is not a usable \(codec.rawValue) stream: \(error)")
        }
        position = 0
        return StreamFormat(codec: codec, size: size, frameRate: rate, detail: "file \(name), \(frames.count) frames, looping")
    }

    /// Frames in one pass through the file (known once open).
    public var frameCount: Int { frames.count }

    public func nextFrame(stop: Wakeup) throws -> Frame? {
        guard !frames.isEmpty, let (sequence, at) = pacer.waitForNextFrame(stop: stop) else { return nil }
        // A pacer that skipped ahead skips the same number of frames in the file.
        position = Int(sequence % UInt64(frames.count))
        let frame = frames[position]
        return Frame(
            bytes: Array(bytes[frame.range]), codec: codec, size: size, isKeyframe: frame.key,
            captureTime: at, sequence: sequence)
    }

    public func close() {
        bytes = []
        frames = []
    }

    private func split() throws {
        switch codec {
        case .mjpeg:
            let pictures = try JPEGStream.pictures(in: bytes)
            guard let first = pictures.first else { throw StreamFileError.empty("no JPEG pictures found (no FF D8 marker)") }
            size = first.size
            frames = pictures.map { ($0.range, true) }
        case .h264, .h265:
            var splitter = AccessUnitSplitter(codec: codec)
            var sets = ParameterSets()
            var units: [AccessUnit] = []
            for nal in AnnexB.nalUnits(bytes) {
                if let unit = splitter.push(nal) { units.append(unit) }
            }
            if let last = splitter.flush() { units.append(last) }
            for unit in units { sets.collect(unit.nalUnits, codec: codec) }
            guard let firstKey = units.firstIndex(where: \.isKeyframe) else {
                throw StreamFileError.empty("no keyframe (IDR/IRAP picture) found in \(units.count) access units")
            }
            guard sets.isComplete(for: codec) else { throw StreamFileError.empty("no parameter sets (SPS/PPS) found") }
            size = try sets.pictureSize(codec: codec)
            // Frames before the first keyframe cannot be decoded; they are not replayed.
            // Each access unit keeps its start codes: the frame is exactly the Annex-B bytes
            // of the picture, as a camera would deliver it.
            frames = units[firstKey...].map { unit in
                let first = unit.nalUnits.first!, last = unit.nalUnits.last!
                let start = Self.startCodeBegin(bytes, first.startIndex)
                return (start..<last.endIndex, unit.isKeyframe)
            }
        }
    }

    /// Where the start code before the NAL unit at `index` begins.
    private static func startCodeBegin(_ b: [UInt8], _ index: Int) -> Int {
        var i = index - 3
        if i > 0 && b[i - 1] == 0 { i -= 1 }
        return max(0, i)
    }
}
