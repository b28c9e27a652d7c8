import Foundation
import Testing

@testable import QRCode

@Suite struct QRCodeTests {
    static let levels: [QRCode.Correction] = [.low, .medium, .quartile, .high]

    /// Byte-mode capacities from the standard's capacity table, levels L, M, Q, H by
    /// versions 1 to 10, and the capacities of version 40.
    static let capacities: [[Int]] = [
        [17, 32, 53, 78, 106, 134, 154, 192, 230, 271],
        [14, 26, 42, 62, 84, 106, 122, 152, 180, 213],
        [11, 20, 32, 46, 60, 74, 86, 108, 130, 151],
        [7, 14, 24, 34, 44, 58, 64, 84, 98, 119],
    ]
    static let version40Capacities = [2953, 2331, 1663, 1273]

    // MARK: Known answers

    @Test func reedSolomonOfTheHelloWorldExample() {
        // "HELLO WORLD" in alphanumeric mode as a 1-M symbol: its 16 data codewords and the
        // 10 error-correction codewords worked out by hand in the usual tutorials.
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        #expect(ReedSolomon.remainder(of: data, degree: 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    @Test func reedSolomonOfTheStandardsNumericExample() {
        // "01234567" in numeric mode as a 1-M symbol, the worked example of ISO/IEC 18004.
        let data: [UInt8] = [16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17]
        #expect(ReedSolomon.remainder(of: data, degree: 10) == [165, 36, 212, 193, 237, 54, 199, 135, 44, 85])
    }

    @Test func generatorPolynomialOfDegreeSeven() {
        // x⁷ + α⁸⁷x⁶ + α²²⁹x⁵ + α¹⁴⁶x⁴ + α¹⁴⁹x³ + α²³⁸x² + α¹⁰²x + α²¹, as listed in the standard.
        let exponents = [0, 87, 229, 146, 149, 238, 102, 21]
        #expect(ReedSolomon.generator(degree: 7) == exponents.map { ReedSolomon.exponents[$0] })
    }

    @Test func formatInformationForEveryLevelAndMask() {
        // The 32 format information strings, after the 0x5412 mask, from the standard's table.
        let expected: [[Int]] = [
            [0x77C4, 0x72F3, 0x7DAA, 0x789D, 0x662F, 0x6318, 0x6C41, 0x6976],
            [0x5412, 0x5125, 0x5E7C, 0x5B4B, 0x45F9, 0x40CE, 0x4F97, 0x4AA0],
            [0x355F, 0x3068, 0x3F31, 0x3A06, 0x24B4, 0x2183, 0x2EDA, 0x2BED],
            [0x1689, 0x13BE, 0x1CE7, 0x19D0, 0x0762, 0x0255, 0x0D0C, 0x083B],
        ]
        for (row, level) in Self.levels.enumerated() {
            for mask in 0..<8 {
                #expect(QRMatrix.formatBits(correction: level, mask: mask) == expected[row][mask], "\(level) mask \(mask)")
            }
        }
    }

    @Test func versionInformation() {
        #expect(QRMatrix.versionBits(7) == 0x07C94)
        #expect(QRMatrix.versionBits(8) == 0x085BC)
        #expect(QRMatrix.versionBits(9) == 0x09A99)
        #expect(QRMatrix.versionBits(10) == 0x0A4D3)
        #expect(QRMatrix.versionBits(40) == 0x28C69)
    }

    @Test func dataCodewordsInByteMode() {
        // 0100 (byte mode), 00000101 (five bytes), "hello", 0000 terminator, then pad bytes.
        let codewords = QRCode.dataCodewords(Array("hello".utf8), version: 1, correction: .medium)
        #expect(codewords == [0x40, 0x56, 0x86, 0x56, 0xC6, 0xC6, 0xF0, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC])
    }

    @Test func wholeVersionOneSymbol() throws {
        // "edge-recorder" at level M as libqrencode 4.1.1 draws it (it chose mask 6).
        let reference = [
            "XXXXXXX.X...X.XXXXXXX", "X.....X.X.XX..X.....X", "X.XXX.X.XXXX..X.XXX.X", "X.XXX.X..X.X..X.XXX.X",
            "X.XXX.X.X.XXX.X.XXX.X", "X.....X..X....X.....X", "XXXXXXX.X.X.X.XXXXXXX", ".........XX..........",
            "X..XXXXXX..X.X..X.XXX", "XX..........X.X..XX..", ".XX.X.XX..XXXX...XXXX", "...XX...X.XX.X.XX.XX.",
            ".X....XXX..XXX..XX..X", "........XX.X....XXXX.", "XXXXXXX.XX.XX.X.XX...", "X.....X.XX.XXXX..XXXX",
            "X.XXX.X.X...XX.X.X.X.", "X.XXX.X.X.XX...X..X..", "X.XXX.X..XX.XX..X.XXX", "X.....X...X.X.XX..XXX",
            "XXXXXXX.X.XXXXX......",
        ]
        let code = try QRCode(bytes: Array("edge-recorder".utf8), correction: .medium, forcedMask: 6)
        try #require(code.size == 21)
        let drawn = (0..<21).map { y in String((0..<21).map { x in code[x, y] ? "X" : "." }) }
        #expect(drawn == reference)
    }

    @Test func codewordCountsMatchTheDataRegion() {
        // Remainder bits per version: the modules left once every codeword is placed.
        let remainderBits = [
            0, 7, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3,
            4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0,
        ]
        for version in 1...40 {
            let freeModules = QRMatrix(version: version).isFunction.filter { !$0 }.count
            #expect(freeModules == QRTables.totalCodewords[version - 1] * 8 + remainderBits[version - 1], "version \(version)")
        }
    }

    @Test func smallestVersionIsChosen() throws {
        for (row, level) in Self.levels.enumerated() {
            for version in 1...10 {
                let capacity = Self.capacities[row][version - 1]
                #expect(QRTables.byteCapacity(version: version, correction: level) == capacity)
                let full = try QRCode(bytes: [UInt8](repeating: 0x61, count: capacity), correction: level)
                #expect(full.version == version, "\(capacity) bytes at \(level)")
                #expect(full.size == 17 + 4 * version)
                let over = try QRCode(bytes: [UInt8](repeating: 0x61, count: capacity + 1), correction: level)
                #expect(over.version == version + 1, "\(capacity + 1) bytes at \(level)")
            }
            #expect(QRTables.byteCapacity(version: 40, correction: level) == Self.version40Capacities[row])
        }
        #expect(try QRCode(bytes: []).version == 1)
        #expect(try QRCode(bytes: [UInt8](repeating: 0x61, count: 130)).version == 8)
    }

    @Test(arguments: zip(levels, version40Capacities))
    func oversizeInputThrows(level: QRCode.Correction, capacity: Int) {
        let error = #expect(throws: QRCodeError.self) {
            try QRCode(bytes: [UInt8](repeating: 0x61, count: capacity + 1), correction: level)
        }
        #expect(error?.description.contains("\(capacity + 1) bytes") == true)
        #expect(error?.description.contains("at most \(capacity) bytes fit") == true)
    }

    // MARK: Terminal

    @Test(arguments: [1, 60, 130, 140, 500])
    func terminalLinesShape(length: Int) throws {
        let code = try QRCode(bytes: [UInt8](repeating: 0x2D, count: length))
        for quiet in [0, 1, 2, 4] {
            for inverted in [false, true] {
                let lines = code.terminalLines(quiet: quiet, inverted: inverted)
                let width = code.size + 2 * quiet
                #expect(lines.count == (width + 1) / 2)
                #expect(lines.allSatisfy { $0.count == width && $0.unicodeScalars.count == width })
                #expect(lines.allSatisfy { $0.allSatisfy { "▀▄█ ".contains($0) } })
                // Reading the glyphs back gives the modules, the quiet zone light.
                for (row, line) in lines.enumerated() {
                    for (column, glyph) in line.enumerated() {
                        let x = column - quiet
                        let y = 2 * row - quiet
                        #expect((glyph == "█" || glyph == "▀") == (code[x, y] != inverted))
                        #expect((glyph == "█" || glyph == "▄") == (code[x, y + 1] != inverted))
                    }
                }
            }
        }
        #expect(code.terminalLines().count == (code.size + 9) / 2)
    }

    @Test func gatewayTextFitsAnEightyColumnConsole() throws {
        let text = "edge-recorder site-042 key SHA256:0123456789abcdef0123456789abcdef cert SHA256:fedcba9876543210fedcba9876543210"
        for level in Self.levels {
            let code = try QRCode(bytes: Array(text.utf8), correction: level)
            let width = code.terminalLines().first?.count ?? 0
            #expect(width > 0 && width <= 80, "\(level): \(width) columns")
        }
    }

    // MARK: Round trip through a decoder

    /// The symbol as a binary greyscale image (PGM), `scale` pixels a module, with the
    /// standard's four-module quiet zone.
    static func pgmImage(_ code: QRCode, scale: Int = 4, quiet: Int = 4) -> Data {
        let side = (code.size + 2 * quiet) * scale
        var image = Data("P5\n\(side) \(side)\n255\n".utf8)
        image.reserveCapacity(image.count + side * side)
        for y in 0..<side {
            for x in 0..<side {
                image.append(code[x / scale - quiet, y / scale - quiet] ? 0 : 255)
            }
        }
        return image
    }

    /// What zbarimg reads from the symbol, or nil if it finds none.
    static func zbarDecode(_ code: QRCode) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qrcode-\(UUID().uuidString).pgm")
        try pgmImage(code).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/zbarimg")
        process.arguments = ["--raw", "-q", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") {
            text.removeLast()
        }
        return text
    }

    /// Printable ASCII text of the given length, different for each length and level.
    static func sampleText(length: Int, seed: Int) -> [UInt8] {
        var state = UInt32(truncatingIfNeeded: length &* 7919 &+ seed &* 104_729 &+ 1)
        return (0..<length).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(0x20 + (state >> 24) % 95)
        }
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zbarimg")),
        arguments: levels, [1, 2, 5, 7, 10, 14, 25, 40])
    func zbarimgDecodesTheSymbol(level: QRCode.Correction, version: Int) throws {
        // The longest text of this version, and the shortest that needs it.
        let longest = QRTables.byteCapacity(version: version, correction: level)
        let shortest = version == 1 ? 1 : QRTables.byteCapacity(version: version - 1, correction: level) + 1
        for length in [shortest, (shortest + longest) / 2, longest] {
            let text = Self.sampleText(length: length, seed: level.tableIndex)
            let code = try QRCode(bytes: text, correction: level)
            #expect(code.version == version)
            #expect(try Self.zbarDecode(code) == String(decoding: text, as: UTF8.self), "\(length) bytes at \(level)")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zbarimg")))
    func zbarimgDecodesTheGatewayText() throws {
        let text = "edge-recorder site-042 key SHA256:0123456789abcdef0123456789abcdef cert SHA256:fedcba9876543210fedcba9876543210"
        for level in Self.levels {
            let code = try QRCode(bytes: Array(text.utf8), correction: level)
            #expect(try Self.zbarDecode(code) == text)
        }
    }
}
