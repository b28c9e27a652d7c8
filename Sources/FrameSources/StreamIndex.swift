import Bitstream
import EdgeCore
import EdgeSystem

/// Where each frame of a replay file lies, found by reading the file once, a piece at a
/// time: only this index stays in memory, and each frame is read again from the file when
/// it is due (the page cache keeps a short clip's bytes warm, outside the process).
struct StreamIndex {
    struct Entry: Equatable {
        var offset: Int64
        var length: Int
        var key: Bool
    }

    var entries: [Entry] = []
    var size = FrameSize(width: 0, height: 0)

    /// Read at a time while indexing: small, since every camera of a gateway indexes its
    /// file at once when the daemon starts (8 cameras: 8 pieces and their copies in memory).
    static let pieceSize = 1 << 20
    /// A single frame larger than this is not a camera's: the file is refused.
    static let frameLimit = 64 << 20

    static func build(_ file: FileDescriptor, codec: VideoCodec, piece: Int = pieceSize) throws -> StreamIndex {
        var scanner = Scanner(codec: codec)
        var carry: [UInt8] = []
        var base: Int64 = 0  // the file offset of carry[0]
        while true {
            let read = try file.read(upTo: piece)
            let final = read.isEmpty
            let bytes = carry + read
            let rest = try scanner.scan(bytes, base: base, final: final)
            if final { break }
            guard bytes.count - rest <= frameLimit else {
                throw StreamFileError.malformed("a frame at byte \(base + Int64(rest)) is over \(frameLimit >> 20) MiB: not a camera's stream")
            }
            carry = Array(bytes[rest...])
            base += Int64(rest)
        }
        return try scanner.finish()
    }

    /// Frames from successive pieces of the file; each call says where the unfinished
    /// frame at the end begins, to be scanned again with the next piece.
    private struct Scanner {
        let codec: VideoCodec
        var index = StreamIndex()
        var splitter: AccessUnitSplitter?
        var sets = ParameterSets()
        /// The file ranges of the NAL units pushed into the splitter and not yet part of
        /// a finished access unit, in order: an access unit is always the oldest of them.
        var pushed: [Range<Int64>] = []
        var units = 0
        var seenKey = false

        init(codec: VideoCodec) {
            self.codec = codec
            splitter = codec == .mjpeg ? nil : AccessUnitSplitter(codec: codec)
        }

        mutating func scan(_ bytes: [UInt8], base: Int64, final: Bool) throws -> Int {
            guard var splitter else {
                let (pictures, rest) = try JPEGStream.pictures(in: bytes, final: final)
                for p in pictures {
                    if index.entries.isEmpty { index.size = p.size }
                    index.entries.append(Entry(offset: base + Int64(p.range.lowerBound), length: p.range.count, key: true))
                }
                return rest
            }
            let nals = AnnexB.nalUnits(bytes)
            // Unless the file ends here, the last unit may go on in the next piece.
            let whole = final ? nals[...] : nals.dropLast()
            for nal in whole {
                pushed.append(base + Int64(Self.startCodeBegin(bytes, nal.startIndex))..<base + Int64(nal.endIndex))
                if let unit = splitter.push(nal) { add(unit) }
            }
            if final, let unit = splitter.flush() { add(unit) }
            self.splitter = splitter
            if final { return bytes.count }
            guard let last = nals.last else { return max(0, bytes.count - 3) }  // a start code may straddle the pieces
            return Self.startCodeBegin(bytes, last.startIndex)
        }

        private mutating func add(_ unit: AccessUnit) {
            let ranges = pushed.prefix(unit.nalUnits.count)
            pushed.removeFirst(ranges.count)
            units += 1
            sets.collect(unit.nalUnits, codec: codec)
            // Frames before the first keyframe cannot be decoded; they are not replayed.
            seenKey = seenKey || unit.isKeyframe
            guard seenKey, let first = ranges.first, let last = ranges.last else { return }
            // The frame is exactly the Annex-B bytes of the picture, start codes included,
            // as a camera would deliver it.
            index.entries.append(Entry(offset: first.lowerBound, length: Int(last.upperBound - first.lowerBound), key: unit.isKeyframe))
        }

        func finish() throws -> StreamIndex {
            switch codec {
            case .mjpeg:
                guard !index.entries.isEmpty else { throw StreamFileError.empty("no JPEG pictures found (no FF D8 marker)") }
                return index
            case .h264, .h265:
                guard seenKey else { throw StreamFileError.empty("no keyframe (IDR/IRAP picture) found in \(units) access units") }
                guard sets.isComplete(for: codec) else { throw StreamFileError.empty("no parameter sets (SPS/PPS) found") }
                var done = index
                done.size = try sets.pictureSize(codec: codec)
                return done
            }
        }

        /// Where the start code before the NAL unit at `index` begins.
        static func startCodeBegin(_ b: [UInt8], _ index: Int) -> Int {
            var i = index - 3
            if i > 0 && b[i - 1] == 0 { i -= 1 }
            return max(0, i)
        }
    }
}
