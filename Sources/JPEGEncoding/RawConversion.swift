import EdgeCore

/// Compresses the raw layouts cameras deliver (YUYV, NV12, GREY) to JPEG.
///
/// YUYV and NV12 interleave chroma; TurboJPEG wants separate planes, so the chroma is
/// split into scratch planes first (one pass, no colour conversion).
public final class RawFrameCompressor {
    public enum Layout: String, Sendable { case yuyv = "YUYV", nv12 = "NV12", grey = "GREY" }

    private let encoder: JPEGEncoder
    private var planeY: [UInt8] = []
    private var planeU: [UInt8] = []
    private var planeV: [UInt8] = []

    public init(quality: Int) throws {
        encoder = try JPEGEncoder(quality: quality)
    }

    /// The bytes a whole picture needs in `layout`, to check a driver's `bytesused`.
    public static func expectedBytes(_ layout: Layout, _ size: FrameSize, stride: Int? = nil) -> Int {
        switch layout {
        case .yuyv: (stride ?? size.width * 2) * size.height
        case .nv12: (stride ?? size.width) * size.height * 3 / 2
        case .grey: (stride ?? size.width) * size.height
        }
    }

    /// `stride` is the driver's `bytesperline` (bytes from one row to the next).
    public func compress(
        _ raw: UnsafeRawBufferPointer, layout: Layout, size: FrameSize, stride: Int? = nil
    ) throws -> [UInt8] {
        let needed = Self.expectedBytes(layout, size, stride: stride)
        guard raw.count >= needed, let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw JPEGError("short \(layout.rawValue) frame: \(raw.count) bytes, a \(size) picture needs \(needed)")
        }
        let w = size.width, h = size.height
        switch layout {
        case .grey:
            if (stride ?? w) == w { return try encoder.encodePacked(base, size: size, layout: .grey) }
            resize(&planeY, w * h)
            for row in 0..<h { copyRow(from: base + row * stride!, to: &planeY, at: row * w, count: w) }
            return try planeY.withUnsafeBufferPointer { (p) in
                try encoder.encodePacked(p.baseAddress!, size: size, layout: .grey)
            }
        case .yuyv:
            let line = stride ?? w * 2, cw = (w + 1) / 2
            resize(&planeY, w * h); resize(&planeU, cw * h); resize(&planeV, cw * h)
            // Through raw pointers: element-wise array writes here cost a bounds,
            // exclusivity and uniqueness check per pixel, 20x the work of the loop itself.
            withPlanes { y, u, v in
                for row in 0..<h {
                    let src = base + row * line
                    let dy = y + row * w, du = u + row * cw, dv = v + row * cw
                    for x in 0..<w { dy[x] = src[2 * x] }
                    for x in 0..<(w / 2) {
                        du[x] = src[4 * x + 1]
                        dv[x] = src[4 * x + 3]
                    }
                }
            }
            return try encodePlanes(size, .yuv422)
        case .nv12:
            let line = stride ?? w, cw = (w + 1) / 2, ch = (h + 1) / 2
            resize(&planeY, w * h); resize(&planeU, cw * ch); resize(&planeV, cw * ch)
            let uv = base + line * h
            withPlanes { y, u, v in
                for row in 0..<h { (y + row * w).update(from: base + row * line, count: w) }
                for row in 0..<ch {
                    let src = uv + row * line
                    let du = u + row * cw, dv = v + row * cw
                    for x in 0..<cw {
                        du[x] = src[2 * x]
                        dv[x] = src[2 * x + 1]
                    }
                }
            }
            return try encodePlanes(size, .yuv420)
        }
    }

    /// The three scratch planes as raw pointers, for the conversion loops.
    private func withPlanes(
        _ body: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Void
    ) {
        planeY.withUnsafeMutableBufferPointer { y in
            planeU.withUnsafeMutableBufferPointer { u in
                planeV.withUnsafeMutableBufferPointer { v in body(y.baseAddress!, u.baseAddress!, v.baseAddress!) }
            }
        }
    }

    private func encodePlanes(_ size: FrameSize, _ chroma: ChromaSubsampling) throws -> [UInt8] {
        try planeY.withUnsafeBufferPointer { (y) in
            try planeU.withUnsafeBufferPointer { (u) in
                try planeV.withUnsafeBufferPointer { (v) in
                    try encoder.encodePlanar(
                        y: y.baseAddress!, u: u.baseAddress!, v: v.baseAddress!, size: size, chroma: chroma)
                }
            }
        }
    }

    private func resize(_ plane: inout [UInt8], _ count: Int) {
        if plane.count != count { plane = [UInt8](repeating: 0, count: count) }
    }

    private func copyRow(from src: UnsafePointer<UInt8>, to plane: inout [UInt8], at offset: Int, count: Int) {
        plane.withUnsafeMutableBufferPointer { dst in
            (dst.baseAddress! + offset).update(from: src, count: count)
        }
    }
}
