import EdgeCore

/// Splits a stream of concatenated JPEG images (an `.mjpeg` file) into pictures by
/// walking the JPEG markers (ITU-T T.81 Annex B), so an `FF D9` inside a thumbnail or
/// other metadata does not end a picture early.
enum JPEGStream {
    struct Picture {
        var range: Range<Int>
        var size: FrameSize
    }

    static func pictures(in bytes: [UInt8]) throws(StreamFileError) -> [Picture] {
        try pictures(in: bytes, final: true).pictures
    }

    /// The whole pictures in `bytes`, and where the rest begins: a picture the bytes end
    /// inside of is left for the next piece of the file (`final` false) or refused as
    /// truncated (`final` true: nothing follows).
    static func pictures(in bytes: [UInt8], final: Bool) throws(StreamFileError) -> (pictures: [Picture], rest: Int) {
        var out: [Picture] = []
        var i = 0
        while let soi = findSOI(bytes, from: i) {
            guard let (end, size) = try scanPicture(bytes, from: soi) else {
                if final { throw .malformed("JPEG at byte \(soi) has no end-of-image marker: the file is truncated") }
                return (out, soi)
            }
            out.append(Picture(range: soi..<end, size: size))
            i = end
        }
        // A lone FF at the end may be the first byte of the next SOI.
        return (out, final ? bytes.count : max(i, bytes.count - 1))
    }

    private static func findSOI(_ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 1 < b.count {
            if b[i] == 0xFF && b[i + 1] == 0xD8 { return i }
            i += 1
        }
        return nil
    }

    /// Returns the end (after EOI) and the frame size from the SOF marker; nil when the
    /// bytes end before the picture does.
    private static func scanPicture(_ b: [UInt8], from start: Int) throws(StreamFileError) -> (Int, FrameSize)? {
        var i = start + 2
        var size: FrameSize?
        while i + 3 < b.count {
            guard b[i] == 0xFF else { throw .malformed("JPEG at byte \(start): expected a marker at byte \(i)") }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2 else { throw .malformed("JPEG at byte \(start): a segment of length \(length) at byte \(i)") }
            guard i + 2 + length <= b.count else { return nil }
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) && length >= 7 {
                let h = Int(b[i + 5]) << 8 | Int(b[i + 6]), w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                size = FrameSize(width: w, height: h)
            }
            i += 2 + length
            if marker == 0xDA {  // start of scan: entropy-coded data until a non-RST marker
                while i + 1 < b.count {
                    if b[i] == 0xFF, b[i + 1] != 0x00, !(0xD0...0xD7).contains(b[i + 1]) { break }
                    i += 1
                }
                guard i + 1 < b.count else { break }
                if b[i + 1] == 0xD9 {
                    guard let size, size.width > 0, size.height > 0 else { throw .malformed("JPEG at byte \(start) has no frame header (SOF)") }
                    return (i + 2, size)
                }
            }
        }
        return nil
    }
}

/// What is wrong with a file given to the `file` source.
public enum StreamFileError: Error, Sendable, CustomStringConvertible {
    case malformed(String)
    case empty(String)

    public var description: String {
        switch self {
        case .malformed(let why): why
        case .empty(let why): why
        }
    }
}
