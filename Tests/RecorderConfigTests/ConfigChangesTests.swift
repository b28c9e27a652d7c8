import AgeEncryption
import EdgeCore
import EdgeJSON
import RecorderConfig
import Testing

/// What an apply restarts: only the cameras a change touches; fields outside the cameras
/// wait for the next start.
@Suite struct ConfigChangesTests {
    static func camera(_ id: String, fps: Int = 10, segmentSeconds: Int? = nil) -> CameraConfiguration {
        CameraConfiguration(id: id, source: .testPattern(size: FrameSize(width: 320, height: 240), fps: fps, jpegQuality: 80), segmentSeconds: segmentSeconds)
    }

    static func config(_ cameras: [CameraConfiguration], recipients: [AgeRecipient]? = nil) throws -> RecorderConfiguration {
        RecorderConfiguration(
            gateway: "gw", stateDirectory: "/var/lib/edge-recorder", recipients: recipients ?? [Self.recipient], cameras: cameras)
    }

    static let recipient = try! AgeIdentity.generate().recipient

    @Test func oneCameraChangedRestartsThatCameraAlone() throws {
        let old = try Self.config([Self.camera("a"), Self.camera("b")])
        let new = try Self.config([Self.camera("a"), Self.camera("b", fps: 5), Self.camera("c")])
        let changes = ConfigChanges(from: old, to: new)
        #expect(changes.changed == ["b"])
        #expect(changes.added == ["c"])
        #expect(changes.removed == [])
        #expect(changes.restartRequired == [])
        #expect(!changes.camerasUnchanged)
    }

    @Test func removedCamerasAreNamed() throws {
        let changes = ConfigChanges(from: try Self.config([Self.camera("a"), Self.camera("b")]), to: try Self.config([Self.camera("b")]))
        #expect(changes.removed == ["a"])
        #expect(changes.changed == [] && changes.added == [])
    }

    @Test func theDefaultSegmentLengthTouchesOnlyCamerasWithoutTheirOwn() throws {
        let old = try Self.config([Self.camera("a"), Self.camera("b", segmentSeconds: 30)])
        var new = old
        new.segmentSeconds = 20
        #expect(ConfigChanges(from: old, to: new).changed == ["a"])
    }

    @Test func newRecipientsRestartEveryCamera() throws {
        let old = try Self.config([Self.camera("a"), Self.camera("b")])
        var new = old
        new.recipients.append(try AgeIdentity.generate().recipient)
        #expect(ConfigChanges(from: old, to: new).changed == ["a", "b"])
    }

    @Test func fieldsOutsideTheCamerasWaitForTheNextStart() throws {
        let old = try Self.config([Self.camera("a")])
        var new = old
        new.storage.minFreeMiB += 100
        new.watchdog.stuckSeconds = 30
        let changes = ConfigChanges(from: old, to: new)
        #expect(changes.restartRequired == ["storage", "watchdog"])
        #expect(changes.camerasUnchanged)
        let running = ConfigChanges.running(old: old, new: new)
        #expect(running.storage == old.storage && running.watchdog == old.watchdog)
    }
}

/// `edgectl config set`: one setting by its dotted path, the rest of the document as it was.
@Suite struct ConfigEditorTests {
    static let document = try! JSONParser.parse(Array("""
        {"gateway": "gw", "segmentSeconds": 10,
         "cameras": [{"id": "gate", "fps": 25}, {"id": "yard", "fps": 10}],
         "uplink": {"destinations": [{"name": "centre", "url": "https://c"}]}}
        """.utf8))

    @Test func setsByNameIdAndIndex() throws {
        var d = try ConfigEditor.set("cameras.yard.fps", to: .number("5"), in: Self.document)
        #expect(d["cameras"]?.arrayValue?[1]["fps"] == .number("5"))
        #expect(d["cameras"]?.arrayValue?[0]["fps"] == .number("25"))
        d = try ConfigEditor.set("cameras.0.fps", to: .number("12"), in: d)
        #expect(d["cameras"]?.arrayValue?[0]["fps"] == .number("12"))
        d = try ConfigEditor.set("uplink.destinations.centre.url", to: .string("https://new"), in: d)
        #expect(d["uplink"]?["destinations"]?.arrayValue?[0]["url"] == .string("https://new"))
    }

    @Test func addsMissingObjectsAndRemovesWithNull() throws {
        var d = try ConfigEditor.set("storage.minFreeMiB", to: .number("100"), in: Self.document)
        #expect(d["storage"]?["minFreeMiB"] == .number("100"))
        d = try ConfigEditor.set("segmentSeconds", to: .null, in: d)
        #expect(d["segmentSeconds"] == nil)
        #expect(d["gateway"] == .string("gw"))
    }

    @Test func valuesAreJSONOrElseText() {
        #expect(ConfigEditor.value("15") == .number("15"))
        #expect(ConfigEditor.value("true") == .bool(true))
        #expect(ConfigEditor.value("/dev/video0") == .string("/dev/video0"))
        #expect(ConfigEditor.value("[\"a\"]") == .array([.string("a")]))
    }

    @Test(arguments: [
        ("cameras.lobby.fps", "cameras has no element \"lobby\"; it has: gate, yard"),
        ("gateway.name", "gateway is a string, not an object or array: it has no name"),
        ("cameras..fps", "\"cameras..fps\" is not a setting's path; write it like storage.minFreeMiB or cameras.gate.fps"),
        ("", "\"\" is not a setting's path; write it like storage.minFreeMiB or cameras.gate.fps"),
    ])
    func badPathsSayWhatIsThere(path: String, message: String) {
        #expect { try ConfigEditor.set(path, to: .number("1"), in: Self.document) } throws: { error in
            (error as? ConfigEditor.Failure)?.description == message
        }
    }

    @Test func removingWhatIsNotSetIsRefused() {
        #expect { try ConfigEditor.set("storage", to: .null, in: Self.document) } throws: { error in
            (error as? ConfigEditor.Failure)?.description == "storage is not set; nothing to remove"
        }
    }
}

extension JSONValue {
    fileprivate var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}

/// What the audit log names of a change, and the editor's bounds.
@Suite struct ConfigDiffTests {
    static let before = """
        {"gateway": "g", "recipients": ["age1a"], "storage": {"maxMiB": 100},
         "uplink": {"destinations": [{"name": "centre", "url": "https://a"}]},
         "cameras": [{"id": "gate", "fps": 25}, {"id": "yard", "fps": 10}]}
        """

    @Test func settingsAreNamedAsConfigSetNamesThem() throws {
        let old = try JSONParser.parse(Self.before)
        var new = try ConfigEditor.set("cameras.yard.fps", to: .number("5"), in: old)
        new = try ConfigEditor.set("recipients", to: .array([.string("age1a"), .string("age1b")]), in: new)
        new = try ConfigEditor.set("uplink.destinations.centre.url", to: .string("https://b"), in: new)
        new = try ConfigEditor.set("storage.minFreeMiB", to: .number("10"), in: new)
        #expect(ConfigDiff.paths(from: old, to: new) == [
            "recipients", "storage.minFreeMiB", "uplink.destinations.centre.url", "cameras.yard.fps",
        ])
        // A camera added or removed is named once, by its id.
        let added = try ConfigEditor.set("cameras", to: .array([.object([("id", .string("gate")), ("fps", .number("25"))])]), in: old)
        #expect(ConfigDiff.paths(from: old, to: added) == ["cameras.yard"])
        #expect(ConfigDiff.paths(from: old, to: old).isEmpty)
    }

    @Test func aPathOfFiftyThousandPartsIsRefusedNotAStackOverflow() throws {
        let old = try JSONParser.parse(Self.before)
        let deep = Array(repeating: "a", count: 50_000).joined(separator: ".")
        #expect(throws: ConfigEditor.Failure.self) { try ConfigEditor.set(deep, to: .number("1"), in: old) }
        do { _ = try ConfigEditor.set(deep, to: .number("1"), in: old) } catch {
            #expect(error.description.contains("at most 16 parts"))
        }
    }
}
