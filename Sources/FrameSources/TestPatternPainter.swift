import EdgeCore

/// Paints the test pattern in planar YUV 4:2:0: colour bars that scroll one step per
/// frame, and a caption with the frame counter and the time, so a recording shows at a
/// glance whether frames were lost, repeated or frozen.
struct TestPatternPainter {
    let size: FrameSize
    private(set) var y: [UInt8]
    private(set) var u: [UInt8]
    private(set) var v: [UInt8]
    private let chromaWidth: Int
    private let chromaHeight: Int

    /// 75 % colour bars in BT.601 limited range: white, yellow, cyan, green, magenta,
    /// red, blue, black.
    private static let bars: [(y: UInt8, u: UInt8, v: UInt8)] = [
        (180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58),
        (84, 184, 198), (65, 100, 212), (35, 212, 114), (16, 128, 128),
    ]

    init(size: FrameSize) {
        self.size = size
        chromaWidth = (size.width + 1) / 2
        chromaHeight = (size.height + 1) / 2
        y = [UInt8](repeating: 16, count: size.width * size.height)
        u = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        v = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
    }

    mutating func paint(frame: UInt64, caption: String) {
        let w = size.width, h = size.height
        let shift = Int(frame % UInt64(w)) * 4 % w
        var rowY = [UInt8](repeating: 0, count: w)
        for x in 0..<w {
            rowY[x] = Self.bars[((x + shift) % w) * 8 / w].y
        }
        var rowU = [UInt8](repeating: 0, count: chromaWidth)
        var rowV = [UInt8](repeating: 0, count: chromaWidth)
        for x in 0..<chromaWidth {
            let bar = Self.bars[((2 * x + shift) % w) * 8 / w]
            rowU[x] = bar.u
            rowV[x] = bar.v
        }
        y.withUnsafeMutableBufferPointer { plane in
            rowY.withUnsafeBufferPointer { row in
                for r in 0..<h { (plane.baseAddress! + r * w).update(from: row.baseAddress!, count: w) }
            }
        }
        for r in 0..<chromaHeight {
            u.replaceSubrange((r * chromaWidth)..<((r + 1) * chromaWidth), with: rowU)
            v.replaceSubrange((r * chromaWidth)..<((r + 1) * chromaWidth), with: rowV)
        }
        drawCaption(caption)
    }

    /// White text on a black band across the top.
    private mutating func drawCaption(_ text: String) {
        let scale = max(1, min(size.height / 160, size.width / 200))
        let margin = 2 * scale
        let bandHeight = min(size.height, DigitFont.height * scale + 2 * margin)
        for r in 0..<bandHeight {
            for x in 0..<size.width { y[r * size.width + x] = 16 }
        }
        for r in 0..<(bandHeight + 1) / 2 where r < chromaHeight {
            for x in 0..<chromaWidth {
                u[r * chromaWidth + x] = 128
                v[r * chromaWidth + x] = 128
            }
        }
        var left = margin
        for c in text {
            let glyph = DigitFont.glyph(c)
            for (row, bits) in glyph.enumerated() {
                for col in 0..<DigitFont.width where bits & (0x10 >> UInt8(col)) != 0 {
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            let px = left + col * scale + dx, py = margin + row * scale + dy
                            if px < size.width && py < size.height { y[py * size.width + px] = 235 }
                        }
                    }
                }
            }
            left += (DigitFont.width + 1) * scale
            if left >= size.width { break }
        }
    }
}
