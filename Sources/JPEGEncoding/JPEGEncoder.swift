import CTurboJPEG
import EdgeCore

/// Compresses raw pictures to baseline JPEG with libjpeg-turbo.
///
/// One encoder owns one TurboJPEG handle and one output buffer sized for the worst case,
/// so encoding allocates nothing but the returned bytes. Not thread-safe: each camera
/// thread has its own.
public final class JPEGEncoder {
    private let handle: tjhandle
    private var output: UnsafeMutablePointer<UInt8>?
    private var outputCapacity = 0
    /// 1 (worst) to 100 (best).
    public let quality: Int32

    public init(quality: Int = 80) throws {
        guard (1...100).contains(quality) else {
            throw JPEGError("JPEG quality \(quality) is out of range 1…100")
        }
        guard let handle = tjInitCompress() else {
            throw JPEGError("cannot start the JPEG encoder: \(String(cString: tjGetErrorStr2(nil)))")
        }
        self.handle = handle
        self.quality = Int32(quality)
    }

    deinit {
        if let output { tjFree(output) }
        tjDestroy(handle)
    }

    /// Planar YUV with chroma subsampled horizontally by `chromaShift.x` and vertically by
    /// `chromaShift.y` (4:2:0 is (1, 1), 4:2:2 is (1, 0)).
    public func encodePlanar(
        y: UnsafePointer<UInt8>, u: UnsafePointer<UInt8>, v: UnsafePointer<UInt8>,
        size: FrameSize, chroma: ChromaSubsampling
    ) throws -> [UInt8] {
        let chromaWidth = (size.width + 1) >> 1
        let strides: [Int32] = [Int32(size.width), Int32(chromaWidth), Int32(chromaWidth)]
        var planes: [UnsafePointer<UInt8>?] = [y, u, v]
        return try compress(size: size, subsampling: chroma.turboJPEG) { buf, len in
            tjCompressFromYUVPlanes(
                handle, &planes, Int32(size.width), strides, Int32(size.height),
                chroma.turboJPEG, &buf, &len, quality, TJFLAG_NOREALLOC)
        }
    }

    /// A single-plane picture: 8-bit grey, or packed RGB.
    public func encodePacked(
        _ pixels: UnsafePointer<UInt8>, size: FrameSize, layout: PackedLayout
    ) throws -> [UInt8] {
        let (format, subsampling, bytesPerPixel) =
            switch layout {
            case .grey: (TJPF_GRAY, TJSAMP_GRAY, 1)
            case .rgb: (TJPF_RGB, TJSAMP_420, 3)
            }
        return try compress(size: size, subsampling: Int32(subsampling.rawValue)) { buf, len in
            tjCompress2(
                handle, pixels, Int32(size.width), Int32(size.width * bytesPerPixel),
                Int32(size.height), Int32(format.rawValue), &buf, &len,
                Int32(subsampling.rawValue), quality, TJFLAG_NOREALLOC)
        }
    }

    private func compress(
        size: FrameSize, subsampling: Int32,
        _ call: (inout UnsafeMutablePointer<UInt8>?, inout UInt) -> Int32
    ) throws -> [UInt8] {
        guard size.width > 0, size.height > 0, size.width <= 16384, size.height <= 16384 else {
            throw JPEGError("cannot encode a \(size) picture: sizes go from 1x1 to 16384x16384")
        }
        let needed = Int(tjBufSize(Int32(size.width), Int32(size.height), subsampling))
        if needed > outputCapacity {
            if let output { tjFree(output) }
            output = tjAlloc(Int32(needed))
            outputCapacity = output == nil ? 0 : needed
            guard output != nil else { throw JPEGError("out of memory for a \(size) JPEG") }
        }
        var buffer = output
        var length = UInt(outputCapacity)
        if call(&buffer, &length) != 0 {
            throw JPEGError("JPEG encoding failed: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }
}

/// How chroma is subsampled in a planar picture.
public enum ChromaSubsampling: Sendable {
    case yuv420, yuv422
    var turboJPEG: Int32 { Int32((self == .yuv420 ? TJSAMP_420 : TJSAMP_422).rawValue) }
}

/// Single-plane pixel layouts the encoder takes as they are.
public enum PackedLayout: Sendable { case grey, rgb }

/// The encoder's error: what went wrong, in words.
public struct JPEGError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
