import AgeEncryption
import EdgeCore
import EdgeSystem
import RecorderConfig
import TestSupport
import Testing

@Suite struct ConfigLoaderTests {
    static let exampleCameras = [
        CameraConfiguration(
            id: "gate",
            source: .v4l2(V4L2Settings(
                device: "/dev/v4l/by-id/usb-Logitech_C920_A1B2C3D4-video-index0", size: FrameSize(width: 1280, height: 720),
                fps: 25, pixelFormat: "MJPG", jpegQuality: 85, stallSeconds: 5))),
        CameraConfiguration(id: "bars", source: .testPattern(size: FrameSize(width: 640, height: 480), fps: 10, jpegQuality: 75)),
        CameraConfiguration(
            id: "replay", source: .file(path: "/var/lib/edge-recorder/clips/lobby.h264", codec: .h264, fps: 25), segmentSeconds: 30),
    ]

    @Test func everySourceKindParsesToItsValues() throws {
        // A second key, with the spaces a paste from a terminal brings: they are forgiven.
        let second = try AgeIdentity.generate().recipient
        let json = """
            {
              "gateway": "site-042", "stateDirectory": "/data/rec", "segmentSeconds": 20, "fsyncSeconds": 5,
              "recipients": ["\(recipient)", " \(second.encoded) "],
              "cameras": [
                {"id": "gate", "source": "v4l2", "device": "/dev/v4l/by-id/usb-Logitech_C920_A1B2C3D4-video-index0",
                 "width": 1280, "height": 720, "fps": 25, "pixelFormat": "MJPG", "jpegQuality": 85, "stallSeconds": 5},
                {"id": "bars", "source": "test-pattern", "width": 640, "height": 480, "fps": 10, "jpegQuality": 75},
                {"id": "replay", "source": "file", "path": "/var/lib/edge-recorder/clips/lobby.h264", "codec": "h264",
                 "fps": 25.0, "segmentSeconds": 30}
              ]
            }
            """
        let config = try ConfigLoader.parse(Array(json.utf8))
        #expect(config == RecorderConfiguration(
            gateway: "site-042", stateDirectory: "/data/rec", recipients: [try AgeRecipient(parsing: recipient), second],
            segmentSeconds: 20, fsyncSeconds: 5, cameras: Self.exampleCameras))
        #expect(config.cameras.map(\.source.kind) == ["v4l2", "test-pattern", "file"])
    }

    @Test func defaultsFillWhatIsLeftOut() throws {
        let json = document(cameras: """
            {"id": "a", "source": "test-pattern"}, {"id": "b", "source": "v4l2", "device": "/dev/video0"},
            {"id": "c", "source": "file", "path": "/clips/c.mjpeg", "codec": "mjpeg"}
            """)
        let config = try ConfigLoader.parse(Array(json.utf8))
        #expect(config.stateDirectory == "/var/lib/edge-recorder")
        #expect(config.stateDirectory == RecorderConfiguration.defaultStateDirectory)
        #expect(config.segmentSeconds == 10)
        #expect(config.fsyncSeconds == 2)
        #expect(config.recipients == [try AgeRecipient(parsing: recipient)])
        #expect(config.cameras == [
            CameraConfiguration(id: "a", source: .testPattern(size: FrameSize(width: 640, height: 480), fps: 25, jpegQuality: 80)),
            CameraConfiguration(id: "b", source: .v4l2(V4L2Settings(device: "/dev/video0", size: nil, fps: nil, pixelFormat: nil, jpegQuality: 80, stallSeconds: 5))),
            CameraConfiguration(id: "c", source: .file(path: "/clips/c.mjpeg", codec: .mjpeg, fps: 25)),
        ])
        #expect(config.cameras.allSatisfy { $0.segmentSeconds == nil })
    }

    @Test func boardExampleLoads() throws {
        let path = Fixtures.directory + "/../../Board/config.example.json"
        let config = try ConfigLoader.load(path: path)
        let centre = try AgeRecipient(parsing: "age1pagexks9869uqndm426rq9ue062xeqq9urjdypawsachn07cv4fqgtgd2n")
        var expected = RecorderConfiguration(
            gateway: "site-042", stateDirectory: "/var/lib/edge-recorder", recipients: [centre], segmentSeconds: 10,
            fsyncSeconds: 2, cameras: Self.exampleCameras,
            storage: StorageLimits(maxMiB: 24576, minFreeMiB: 512, whenFull: .evictOldest, holdMaxMiB: 4096))
        expected.destinations = [
            DestinationConfiguration(
                name: "centre", url: "https://centre.example:8443", caFile: "/etc/edge-recorder/centre-ca.pem",
                certFile: "/etc/edge-recorder/site-042.pem", keyFile: "/etc/edge-recorder/site-042.key",
                rateBytesPerSecond: 2_000_000, concurrency: 2)
        ]
        expected.control = ControlConfiguration(socket: "/run/edge-recorder/control.sock", group: "edge-admin")
        expected.watchdog = WatchdogConfiguration(device: "/dev/watchdog", timeoutSeconds: 15, stuckSeconds: 20)
        #expect(config == expected)
    }

    /// Board/profiles: each loads and validates as it is, arms the board's watchdog, bounds
    /// the ring, and names cameras by a stable path (the QEMU board's vivid aside).
    @Test func boardProfilesLoad() throws {
        let folder = Fixtures.directory + "/../../Board/profiles"
        let names = try FileSystem.list(folder).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count == 6)
        for name in names {
            let config = try ConfigLoader.load(path: "\(folder)/\(name)")
            #expect(config.watchdog.device?.hasPrefix("/dev/watchdog") == true, "\(name)")
            #expect(config.storage.maxMiB > 0 && config.storage.minFreeMiB > 0, "\(name)")
            for camera in config.cameras {
                guard case .v4l2(let settings) = camera.source else { continue }
                #expect(settings.device.hasPrefix("/dev/v4l/by-") || name == "qemu-x86_64.json", "\(name): \(settings.device)")
            }
        }
    }

    /// What the Debian package writes on a fresh install: no cameras, so nothing is
    /// recorded and no recipients are needed yet; recipients given are still checked.
    @Test func aGatewayWithNoCamerasNeedsNoRecipients() throws {
        let config = try ConfigLoader.parse(Array(#"{"gateway": "edge-test", "cameras": []}"#.utf8), source: "fresh")
        #expect(config.cameras.isEmpty && config.recipients.isEmpty)
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(Array(#"{"gateway": "edge-test", "cameras": [], "recipients": []}"#.utf8), source: "fresh")
        }
        #expect(error?.problems.map(\.field) == ["recipients"])
    }

    @Test func missingFileSaysWhereToStart() throws {
        let path = try Fixtures.scratchDirectory("config") + "/absent.json"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error?.source == path)
        #expect(error?.description
            == "invalid config \(path): cannot read it: No such file or directory; check the path, or create it from Board/config.example.json")
    }

    @Test func directoryIsUnreadable() throws {
        let path = try Fixtures.scratchDirectory("config")
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error?.problems.map(\.field) == [""])
        #expect(error?.description == "invalid config \(path): cannot read it: Is a directory; check the file")
    }

    @Test func configOverOneMiBIsRefused() throws {
        let directory = try Fixtures.scratchDirectory("config")
        let valid = Array(document(cameras: pattern).utf8)
        let padding = ConfigLoader.sizeLimit - valid.count
        try Fixtures.write(valid + [UInt8](repeating: 0x20, count: padding), to: directory + "/limit.json")
        #expect(try ConfigLoader.load(path: directory + "/limit.json").gateway == "site-042")

        try Fixtures.write(valid + [UInt8](repeating: 0x20, count: padding + 1), to: directory + "/big.json")
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: directory + "/big.json") }
        #expect(error?.problems.map(\.message) == ["cannot read it: File too large; a config is at most 1 MiB"])
    }

    @Test func loadedFileNamesItselfInProblems() throws {
        let path = try Fixtures.scratchDirectory("config") + "/bad.json"
        try Fixtures.write(Array("{\n  \"gateway\": site\n}".utf8), to: path)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(path: path) }
        #expect(error?.description
            == "invalid config \(path): not valid JSON: line 2, column 14: expected a value (did you forget the quotes around a string?)")
    }
}
