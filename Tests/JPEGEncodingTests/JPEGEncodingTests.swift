import EdgeCore
import EdgeSystem
import JPEGEncoding
import Testing
import TestSupport

/// Raw camera layouts to JPEG: each decodes with ffmpeg at the picture's size, the picture
/// survives (a grey ramp stays a ramp), odd strides and sizes work, and a short frame or a
/// bad quality is refused with a message.
@Suite struct JPEGEncodingTests {
    /// A horizontal luma ramp in `layout`, with neutral chroma, rows `stride` bytes apart.
    static func ramp(_ layout: RawFrameCompressor.Layout, _ size: FrameSize, stride: Int? = nil) -> [UInt8] {
        let w = size.width, h = size.height
        switch layout {
        case .grey:
            let line = stride ?? w
            var out = [UInt8](repeating: 0, count: line * h)
            for y in 0..<h { for x in 0..<w { out[y * line + x] = UInt8(x * 255 / max(1, w - 1)) } }
            return out
        case .yuyv:
            let line = stride ?? w * 2
            var out = [UInt8](repeating: 128, count: line * h)
            for y in 0..<h { for x in 0..<w { out[y * line + 2 * x] = UInt8(x * 255 / max(1, w - 1)) } }
            return out
        case .nv12:
            let line = stride ?? w
            var out = [UInt8](repeating: 128, count: line * h * 3 / 2)
            for y in 0..<h { for x in 0..<w { out[y * line + x] = UInt8(x * 255 / max(1, w - 1)) } }
            return out
        }
    }

    @Test(.enabled(if: Tool.available("ffmpeg"), "needs ffmpeg to decode (apt-get install ffmpeg)"), arguments: [RawFrameCompressor.Layout.yuyv, .nv12, .grey])
    func aRampCompressesToAJPEGThatStillRamps(layout: RawFrameCompressor.Layout) throws {
        let size = FrameSize(width: 64, height: 48)
        let compressor = try RawFrameCompressor(quality: 90)
        let jpeg = try Self.ramp(layout, size).withUnsafeBytes { try compressor.compress($0, layout: layout, size: size) }
        #expect(jpeg.starts(with: [0xFF, 0xD8]) && Array(jpeg.suffix(2)) == [0xFF, 0xD9])
        // Decoded back to grey by ffmpeg: dark on the left, bright on the right.
        let dir = try Fixtures.scratchDirectory("jpeg")
        try Fixtures.write(jpeg, to: "\(dir)/a.jpg")
        let grey = try Tool.run("ffmpeg", ["-nostdin", "-v", "error", "-i", "\(dir)/a.jpg", "-f", "rawvideo", "-pix_fmt", "gray", "\(dir)/a.gray"])
        #expect(grey.status == 0, "\(grey.stderr)")
        let pixels = try FileSystem.readFile("\(dir)/a.gray")
        try #require(pixels.count == 64 * 48)
        let row = pixels[(24 * 64)..<(25 * 64)]
        #expect(Int(row[row.startIndex + 2]) < 30 && Int(row[row.endIndex - 3]) > 225, "\(Array(row))")
    }

    @Test func oddSizesAndDriverStridesWork() throws {
        let compressor = try RawFrameCompressor(quality: 75)
        for (layout, stride) in [(RawFrameCompressor.Layout.yuyv, 160), (.nv12, 96), (.grey, 96)] {
            let size = FrameSize(width: 70, height: 35)
            let jpeg = try Self.ramp(layout, size, stride: stride).withUnsafeBytes {
                try compressor.compress($0, layout: layout, size: size, stride: stride)
            }
            #expect(jpeg.starts(with: [0xFF, 0xD8]), "\(layout)")
        }
    }

    @Test func shortFramesAndBadQualitiesAreRefused() throws {
        let compressor = try RawFrameCompressor(quality: 80)
        let size = FrameSize(width: 64, height: 48)
        let short = [UInt8](repeating: 0, count: 100)
        #expect(throws: JPEGError.self) { try short.withUnsafeBytes { try compressor.compress($0, layout: .yuyv, size: size) } }
        do { _ = try short.withUnsafeBytes { try compressor.compress($0, layout: .yuyv, size: size) } } catch {
            #expect("\(error)".contains("short YUYV frame: 100 bytes"))
        }
        #expect(throws: JPEGError.self) { try JPEGEncoder(quality: 0) }
        #expect(throws: JPEGError.self) { try JPEGEncoder(quality: 101) }
        #expect(RawFrameCompressor.expectedBytes(.nv12, size) == 64 * 48 * 3 / 2)
    }
}
