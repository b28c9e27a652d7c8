import EdgeCore
import EdgeSystem
import JPEGEncoding

/// CPU per frame for the raw path a V4L2 YUYV camera takes (YUYV → planar → JPEG), and
/// for MJPEG passthrough (the copy out of the driver's buffer), on synthetic 640x480
/// frames.
///
///     edge-bench jpeg [--frames N] [--quality Q] [--raw-out FILE]
///
/// `--raw-out` writes the same YUYV frames to a file, for the peer (ffmpeg) to encode.
enum JPEGBench {
    static func run(_ options: [String: String]) throws {
        let frames = Int(options["frames"] ?? "500") ?? 500
        let quality = Int(options["quality"] ?? "80") ?? 80
        let size = FrameSize(width: 640, height: 480)
        // A moving gradient with some texture, so the encoder has real work.
        var raw = [[UInt8]]()
        for n in 0..<16 {
            var f = [UInt8](repeating: 0, count: size.width * size.height * 2)
            for y in 0..<size.height {
                for x in 0..<size.width {
                    let i = (y * size.width + x) * 2
                    f[i] = UInt8(truncatingIfNeeded: x + y + n * 7 + (x * y) % 13)
                    f[i + 1] = UInt8(truncatingIfNeeded: x &* 3 &+ n * 11)
                }
            }
            raw.append(f)
        }
        if let path = options["raw-out"] {
            let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC)
            for n in 0..<frames { try file.writeAll(raw[n % raw.count]) }
            try file.close()
        }
        let compressor = try RawFrameCompressor(quality: quality)
        var out = 0
        let cpu0 = EdgeBench.cpuSeconds()
        for n in 0..<frames {
            out += try raw[n % raw.count].withUnsafeBytes { try compressor.compress($0, layout: .yuyv, size: size).count }
        }
        let jpegCPU = EdgeBench.cpuSeconds() - cpu0
        // Passthrough: what an MJPEG camera costs per frame, the copy out of the mmap buffer.
        let jpeg = try raw[0].withUnsafeBytes { try compressor.compress($0, layout: .yuyv, size: size) }
        let cpu1 = EdgeBench.cpuSeconds()
        var copied = 0
        jpeg.withUnsafeBytes { buffer in
            for _ in 0..<(frames * 20) { copied &+= Array(buffer).count }
        }
        let passCPU = (EdgeBench.cpuSeconds() - cpu1) / 20
        print("frames=\(frames) yuyv_to_jpeg_ms_per_frame=\(EdgeBench.fmt(jpegCPU * 1000 / Double(frames))) jpeg_bytes_per_frame=\(out / frames) mjpeg_passthrough_ms_per_frame=\(EdgeBench.fmt(passCPU * 1000 / Double(frames)))")
    }
}
