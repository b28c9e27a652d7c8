import EdgeCore
import TestSupport
import Testing
@testable import V4L2Capture

@Suite struct ProbeTests {
    @Test func describesEveryFormatSizeAndRate() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam])
        let description = try probe(path: Fixture.path, kernel: kernel)
        #expect(description.driver == "fakecam")
        #expect(description.card == "Fake Camera")
        #expect(description.bus == "usb-0000:00:14.0-1")
        #expect(description.driverVersion == "6.1.0")
        #expect(description.capabilities == ["video-capture", "streaming"])
        #expect(description.formats.map(\.fourcc) == ["YUYV", "MJPG"])
        #expect(description.formats[0].sizes.map { "\($0.width)x\($0.height)" } == ["64x48", "32x24"])
        #expect(description.formats[0].sizes[0].framesPerSecond == [25, 5])
        #expect(description.formats[1].compressed)
        #expect(kernel.openDescriptors == 0)
    }

    @Test func rendersWithin80ColumnsAndAsJSON() throws {
        var camera = Fixture.webcam
        camera.card = String(repeating: "C", count: 31)
        camera.formats[0].sizes = (1...20).map { (UInt32($0) * 16, UInt32($0) * 9) }
        let description = try probe(path: Fixture.path, kernel: FakeKernel([Fixture.path: camera]))
        let text = description.description
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(text.contains("\n* YUYV  YUYV 4:2:2\n      16x9       25, 5 fps\n"))
        #expect(text.contains("\n* MJPG  Motion-JPEG, compressed\n"))
        let json = try description.json()
        #expect(json.hasPrefix("{\"bus\":\"usb-0000:00:14.0-1\",\"capabilities\":[\"video-capture\",\"streaming\"]"))
        #expect(json.contains("{\"framesPerSecond\":[25,5],\"height\":9,\"width\":16}"))
    }

    /// The real system calls and request numbers, on the one device every machine has.
    @Test func theRealKernelRefusesWhatIsNotACamera() {
        let notCamera = #expect(throws: SourceFailure.self) { try probe(path: "/dev/null") }
        #expect(notCamera?.kind == .unusable)
        #expect(notCamera?.message == "/dev/null is not a V4L2 camera (ENOTTY): check the device path in the config")
        let missing = #expect(throws: SourceFailure.self) {
            try V4L2Source(config: Fixture.config(), time: ManualTime()).open()
        }
        #expect(missing?.message.contains("not found (ENOENT)") == true)
    }

    @Test func wrapsLongLinesUnderTheirHead() {
        let words = (1...30).map { "w\($0)," }
        let lines = DeviceDescription.wrap("  head  ", words)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 80 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("        w") })
    }
}
