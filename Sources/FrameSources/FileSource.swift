import Bitstream
import EdgeCore
import EdgeSystem

/// Replays a recorded stream as a camera would deliver it: an MJPEG file (concatenated
/// JPEGs) or an H.264/H.265 Annex-B elementary stream, at a fixed frame rate, looping.
/// Compressed formats are tested with it without hardware.
///
/// When the source opens, the file is read once, a piece at a time, for where each frame
/// lies (`StreamIndex`); each frame is then read from the file when it is due, so memory
/// holds the index and one frame, whatever the file's length.
public final class FileSource: FrameSource {
    public let name: String
    private let codec: VideoCodec
    private let rate: FrameRate
    private let time: any TimeSource
    private var file: FileDescriptor?
    private var index = StreamIndex()
    private var pacer: Pacer

    public init(path: String, codec: VideoCodec, rate: FrameRate, time: any TimeSource) {
        name = path
        self.codec = codec
        self.rate = rate
        self.time = time
        pacer = Pacer(interval: rate.interval, time: time)
    }

    public func open() throws -> StreamFormat {
        let file: FileDescriptor
        do { file = try FileDescriptor.open(name, O_RDONLY) } catch {
            throw SourceFailure(.unusable, "cannot read \(name): \(error.reason); check the path in the config")
        }
        do {
            index = try StreamIndex.build(file, codec: codec)
        } catch let error as SystemError {
            throw SourceFailure(.unusable, "cannot read \(name): \(error.reason)")
        } catch {
            throw SourceFailure(.unusable, "\(name) is not a usable \(codec.rawValue) stream: \(error)")
        }
        self.file = file
        return StreamFormat(codec: codec, size: index.size, frameRate: rate, detail: "file \(name), \(index.entries.count) frames, looping")
    }

    /// Frames in one pass through the file (known once open).
    public var frameCount: Int { index.entries.count }

    public func nextFrame(stop: Wakeup) throws -> Frame? {
        guard let file, !index.entries.isEmpty, let (sequence, at) = pacer.waitForNextFrame(stop: stop) else { return nil }
        // A pacer that skipped ahead skips the same number of frames in the file.
        let entry = index.entries[Int(sequence % UInt64(index.entries.count))]
        let bytes: [UInt8]
        do { bytes = try file.read(upTo: entry.length, at: entry.offset) } catch {
            throw SourceFailure(.lost, "cannot read \(name) at byte \(entry.offset): \(error.reason)")
        }
        guard bytes.count == entry.length else {
            throw SourceFailure(.lost, "\(name) is shorter than when it was opened (it was changed while replaying)")
        }
        return Frame(bytes: bytes, codec: codec, size: index.size, isKeyframe: entry.key, captureTime: at, sequence: sequence)
    }

    public func close() {
        try? file?.close()
        file = nil
        index = StreamIndex()
    }
}
