import AgeEncryption
import RecorderConfig
import Testing

/// A config that must be refused, and every problem the error must list, in order.
struct BadConfig: Sendable, CustomTestStringConvertible {
    var name: String
    var json: String
    var problems: [String]
    var testDescription: String { name }
}

/// A valid age recipient (its secret key was thrown away), so expected messages are stable.
let recipient = "age17m08n6es48ad3vlc66j9392dfqhsgld336wyfs5za68x4p254a3s43qefs"

/// A JSON array of `count` new recipients.
func recipients(_ count: Int) -> String {
    let keys = (0..<count).map { _ in (try? AgeIdentity.generate())?.recipient.encoded ?? recipient }
    return "[" + keys.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
}

/// A new secret key: what a technician might paste into `recipients` by mistake.
let secretKey = (try? AgeIdentity.generate())?.encoded ?? "AGE-SECRET-KEY-1"

/// A config document around `cameras` (JSON array members), with extra top-level `fields`
/// and `recipients` (a JSON array; nil leaves the field out).
func document(cameras: String, fields: String = #""gateway": "site-042""#, recipients: String? = #"["\#(recipient)"]"#) -> String {
    let members = [fields] + (recipients.map { [#""recipients": \#($0)"#] } ?? []) + [#""cameras": [\#(cameras)]"#]
    return "{" + members.joined(separator: ", ") + "}"
}

let pattern = #"{"id": "bars", "source": "test-pattern"}"#

/// The problems `ConfigLoader.parse` reports for `json`, as a technician reads them.
func problems(_ json: String) -> [String] {
    let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(Array(json.utf8)) }
    return error?.problems.map(\.description) ?? []
}

@Suite struct ConfigProblemTests {
    static let cases: [BadConfig] = [
        BadConfig(name: "not JSON", json: #"{"gateway": "a",}"#,
                  problems: [#"not valid JSON: line 1, column 17: a comma before '}' must be followed by another member"#]),
        BadConfig(name: "not an object", json: "[]", problems: ["expected an object, found an array"]),
        BadConfig(name: "number in quotes", json: document(cameras: pattern, fields: #""gateway": "g", "segmentSeconds": "25""#),
                  problems: ["segmentSeconds: expected a number, found a string: write 25 without quotes"]),
        BadConfig(name: "signed number in quotes", json: document(cameras: #"{"id": "a", "source": "test-pattern", "fps": "+25"}"#),
                  problems: ["cameras[0].fps: expected a number, found a string: write 25 without quotes"]),
        BadConfig(name: "fraction", json: document(cameras: #"{"id": "a", "source": "file", "path": "/a.h264", "codec": "h264", "fps": 2.5}"#),
                  problems: ["cameras[0].fps: 2.5 is not a whole number"]),
        BadConfig(name: "huge number", json: document(cameras: #"{"id": "a", "source": "test-pattern", "fps": 1e20}"#),
                  problems: ["cameras[0].fps: 1e20 is out of range 1…120"]),
        BadConfig(name: "boolean for a number", json: document(cameras: #"{"id": "a", "source": "test-pattern", "jpegQuality": true}"#),
                  problems: ["cameras[0].jpegQuality: expected a whole number, found a boolean"]),
        BadConfig(name: "wrong container types", json: #"{"gateway": 42, "cameras": {}}"#,
                  problems: ["gateway: expected a string, found a number", "recipients: missing; this field is required",
                             "cameras: expected an array, found an object"]),
        BadConfig(name: "camera not an object", json: document(cameras: #""bars""#),
                  problems: ["cameras[0]: expected an object, found a string"]),
        BadConfig(name: "misspelt top-level field", json: document(cameras: pattern, fields: #""gateway": "g", "segmentSecond": 10"#),
                  problems: [#"segmentSecond: unknown field; did you mean "segmentSeconds"? fields here: gateway, stateDirectory, recipients, segmentSeconds, fsyncSeconds, cameras, storage, uplink, control, watchdog"#]),
        BadConfig(name: "misspelt camera field", json: document(cameras: #"{"id": "a", "source": "test-pattern", "heigth": 480}"#),
                  problems: [#"cameras[0].heigth: unknown field; did you mean "height"? fields here: id, source, segmentSeconds, width, height, fps, jpegQuality, path, codec, device, pixelFormat, stallSeconds"#]),
        BadConfig(name: "unknown field, nothing close", json: document(cameras: pattern, fields: #""gateway": "g", "colour": "red""#),
                  problems: ["colour: unknown field; fields here: gateway, stateDirectory, recipients, segmentSeconds, fsyncSeconds, cameras, storage, uplink, control, watchdog"]),
        BadConfig(name: "fields of another source kind", json: document(cameras: #"{"id": "a", "source": "test-pattern", "device": "/dev/video0", "codec": "h264"}"#),
                  problems: [#"cameras[0].codec: does not apply to a "test-pattern" source; it takes: width, height, fps, jpegQuality"#,
                             #"cameras[0].device: does not apply to a "test-pattern" source; it takes: width, height, fps, jpegQuality"#]),
        BadConfig(name: "v4l2 field on a file camera", json: document(cameras: #"{"id": "a", "source": "file", "path": "/a.mjpeg", "codec": "mjpeg", "stallSeconds": 3}"#),
                  problems: [#"cameras[0].stallSeconds: does not apply to a "file" source; it takes: path, codec, fps"#]),
        BadConfig(name: "fps 0 on the second camera", json: document(cameras: pattern + #", {"id": "b", "source": "v4l2", "device": "/dev/video0", "fps": 0}"#),
                  problems: ["cameras[1].fps: 0 is out of range 1…120"]),
        BadConfig(name: "ranges", json: document(cameras: #"{"id": "a", "source": "v4l2", "device": "/dev/video0", "jpegQuality": 101, "stallSeconds": 61, "segmentSeconds": 301}"#, fields: #""gateway": "g", "segmentSeconds": 1"#),
                  problems: ["segmentSeconds: 1 is out of range 2…300", "cameras[0].segmentSeconds: 301 is out of range 2…300",
                             "cameras[0].jpegQuality: 101 is out of range 1…100", "cameras[0].stallSeconds: 61 is out of range 1…60"]),
        BadConfig(name: "storage bounds", json: document(cameras: pattern, fields: #""gateway": "g", "storage": {"maxMiB": 100, "cameraMaxMiB": 200, "whenFull": "panic", "minFreeMiB": -1}"#),
                  problems: [#"storage.minFreeMiB: -1 is out of range 0…1048576"#, #"storage.whenFull: "panic" is not one of: evict-oldest, stop-recording"#,
                             "storage.cameraMaxMiB: 200 is more than storage.maxMiB (100): a camera cannot have more than the whole ring"]),
        BadConfig(name: "uplink destination", json: document(cameras: pattern, fields: #""gateway": "g", "uplink": {"destinations": [{"name": "Centre", "url": "http://c", "caFile": "ca.pem", "certFile": "/c.pem", "keyFile": "/c.key", "windows": ["25:00-26:00"], "stallSeconds": 1}]}"#),
                  problems: [#"uplink.destinations[0].name: "Centre" is not usable: 1–32 of a-z, 0-9 and '-' (it names acknowledgement files)"#,
                             #"uplink.destinations[0].url: "http://c" must start with https:// (uploads are mutual TLS)"#,
                             #"uplink.destinations[0].caFile: "ca.pem" is relative: give an absolute path"#,
                             #"uplink.destinations[0].windows[0]: expected a daily window like "22:00-06:00" (UTC)"#,
                             "uplink.destinations[0].stallSeconds: 1 is out of range 5…600"]),
        BadConfig(name: "control socket", json: document(cameras: pattern, fields: #""gateway": "g", "control": {"socket": "run/c.sock", "group": "a b"}"#),
                  problems: [#"control.socket: "run/c.sock" is relative: give an absolute path"#, #"control.group: "a b" is not a usable group name"#]),
        BadConfig(name: "watchdog", json: document(cameras: pattern, fields: #""gateway": "g", "watchdog": {"device": "watchdog", "timeoutSeconds": 1}"#),
                  problems: [#"watchdog.device: "watchdog" is relative: give the device's path, e.g. /dev/watchdog"#, "watchdog.timeoutSeconds: 1 is out of range 2…600"]),
        BadConfig(name: "test pattern too big and odd", json: document(cameras: #"{"id": "a", "source": "test-pattern", "width": 4000, "height": 481}"#),
                  problems: ["cameras[0].width: 4000 is out of range 16…3840", "cameras[0].height: 481 is odd: the test pattern needs an even height"]),
        BadConfig(name: "duplicate camera ids", json: document(cameras: [pattern, pattern, pattern].joined(separator: ",")),
                  problems: [#"cameras[1].id: "bars" is already used by cameras[0]; camera ids must be unique"#,
                             #"cameras[2].id: "bars" is already used by cameras[0]; camera ids must be unique"#]),
        BadConfig(name: "missing top-level fields", json: "{}",
                  problems: ["gateway: missing; this field is required", "recipients: missing; this field is required",
                             "cameras: missing; this field is required"]),
        BadConfig(name: "missing camera fields", json: document(cameras: #"{}, {"id": "b", "source": "v4l2"}, {"id": "c", "source": "file"}"#),
                  problems: ["cameras[0].id: missing; this field is required", "cameras[0].source: missing; this field is required",
                             "cameras[1].device: missing; this field is required",
                             "cameras[2].path: missing; this field is required", "cameras[2].codec: missing; this field is required"]),
        BadConfig(name: "relative paths", json: document(cameras: #"{"id": "a", "source": "file", "path": "clips/a.h264", "codec": "h264"}"#, fields: #""gateway": "g", "stateDirectory": "var/lib/edge""#),
                  problems: [#"stateDirectory: "var/lib/edge" is relative: give an absolute path"#,
                             #"cameras[0].path: "clips/a.h264" is relative: give an absolute path"#]),
        BadConfig(name: "bad names", json: document(cameras: #"{"id": "Front-Door", "source": "test-pattern"}, {"id": "-a", "source": "test-pattern"}, {"id": "\#(String(repeating: "a", count: 33))", "source": "test-pattern"}"#, fields: #""gateway": "Site 42""#),
                  problems: [#"gateway: "Site 42" is not a usable name: use 1–64 of a-z, 0-9, '-' and '_', starting with a letter or digit"#,
                             #"cameras[0].id: "Front-Door" is not a usable camera id: use 1–32 of a-z, 0-9, '-' and '_', starting with a letter or digit"#,
                             #"cameras[1].id: "-a" is not a usable camera id: use 1–32 of a-z, 0-9, '-' and '_', starting with a letter or digit"#,
                             #"cameras[2].id: "\#(String(repeating: "a", count: 33))" is not a usable camera id: use 1–32 of a-z, 0-9, '-' and '_', starting with a letter or digit"#]),
        BadConfig(name: "width without height", json: document(cameras: #"{"id": "a", "source": "v4l2", "device": "/dev/video0", "width": 640}"#),
                  problems: ["cameras[0]: give width and height together, or neither to take the device's default"]),
        BadConfig(name: "bad width with a height", json: document(cameras: #"{"id": "a", "source": "v4l2", "device": "/dev/video0", "width": 8, "height": 480}"#),
                  problems: ["cameras[0].width: 8 is out of range 16…7680"]),
        BadConfig(name: "v4l2 device and FourCC", json: document(cameras: #"{"id": "a", "source": "v4l2", "device": "video0", "pixelFormat": "MJPEG"}"#),
                  problems: [#"cameras[0].device: "video0" is not a device path: use /dev/videoN or a /dev/v4l/by-id/… name"#,
                             #"cameras[0].pixelFormat: "MJPEG" is not a FourCC: use four characters such as MJPG, H264, YUYV, NV12, GREY"#]),
        BadConfig(name: "unknown source and codec", json: document(cameras: #"{"id": "a", "source": "usb"}, {"id": "b", "source": "file", "path": "/b.webm", "codec": "vp9"}"#),
                  problems: [#"cameras[0].source: "usb" is not one of: test-pattern, file, v4l2"#,
                             #"cameras[1].codec: "vp9" is not one of: mjpeg, h264, h265"#]),
        BadConfig(name: "no cameras field", json: #"{"gateway": "site-042", "recipients": ["\#(recipient)"]}"#,
                  problems: ["cameras: missing; this field is required"]),
        BadConfig(name: "a camera and no recipients field", json: #"{"gateway": "site-042", "cameras": [\#(pattern)]}"#,
                  problems: ["recipients: missing; this field is required"]),
        BadConfig(name: "no recipients field", json: document(cameras: pattern, recipients: nil),
                  problems: ["recipients: missing; this field is required"]),
        BadConfig(name: "recipients not an array", json: document(cameras: pattern, recipients: #""\#(recipient)""#),
                  problems: ["recipients: expected an array, found a string"]),
        BadConfig(name: "no recipients", json: document(cameras: pattern, recipients: "[]"),
                  problems: ["recipients: 0 recipients: give 1 to 8 age public keys (age1…), e.g. from `edge-centre keygen`"]),
        BadConfig(name: "9 recipients", json: document(cameras: pattern, recipients: recipients(9)),
                  problems: ["recipients: 9 recipients: give 1 to 8 age public keys (age1…), e.g. from `edge-centre keygen`"]),
        BadConfig(name: "recipient not a string", json: document(cameras: pattern, recipients: #"["\#(recipient)", 42]"#),
                  problems: ["recipients[1]: expected a string, found a number"]),
        BadConfig(name: "recipient mistyped", json: document(cameras: pattern, recipients: #"["\#(recipient)", "\#(recipient.dropLast())"]"#),
                  problems: [#"recipients[1]: "age17m08n6es48ad3vlc…" is not an age public key (a key has a wrong Bech32 checksum (mistyped or truncated)): copy the age1… line `edge-centre keygen` printed"#]),
        BadConfig(name: "recipient too short to elide", json: document(cameras: pattern, recipients: #"["age1qqqq"]"#),
                  problems: [#"recipients[0]: "age1qqqq" is not an age public key (a key is not Bech32: no '1' separator or too short): copy the age1… line `edge-centre keygen` printed"#]),
        BadConfig(name: "secret key given as a recipient", json: document(cameras: pattern, recipients: #"["\#(secretKey)"]"#),
                  problems: ["recipients[0]: this is an age secret key, not a public key: give the age1… recipient it belongs to (`age-keygen -y` prints it), and keep the secret key off the gateway"]),
        BadConfig(name: "fsyncSeconds 0", json: document(cameras: pattern, fields: #""gateway": "g", "fsyncSeconds": 0"#),
                  problems: ["fsyncSeconds: 0 is out of range 1…60"]),
        BadConfig(name: "fsyncSeconds 61", json: document(cameras: pattern, fields: #""gateway": "g", "fsyncSeconds": 61"#),
                  problems: ["fsyncSeconds: 61 is out of range 1…60"]),
        BadConfig(name: "17 cameras", json: document(cameras: (0..<17).map { #"{"id": "c\#($0)", "source": "test-pattern"}"# }.joined(separator: ",")),
                  problems: ["cameras: 17 cameras: a gateway records at most 16"]),
    ]

    @Test(arguments: cases)
    func everyProblemIsReported(_ c: BadConfig) {
        #expect(problems(c.json) == c.problems)
    }

    @Test func severalProblemsMakeOneReadableError() {
        let json = document(cameras: pattern + #", {"id": "door", "source": "v4l2", "device": "/dev/video0", "fps": 0}"#,
                            fields: #""gateway": "site-042", "segmentSeconds": "25", "extra": 1"#)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(Array(json.utf8), source: "/etc/edge-recorder/config.json") }
        #expect(error?.description == """
            invalid config /etc/edge-recorder/config.json:
              extra: unknown field; fields here: gateway, stateDirectory, recipients, segmentSeconds, fsyncSeconds, cameras, storage, uplink, control, watchdog
              segmentSeconds: expected a number, found a string: write 25 without quotes
              cameras[1].fps: 0 is out of range 1…120
            """)
    }

    @Test func oneProblemFitsOnOneLine() {
        let json = document(cameras: pattern + #", {"id": "b", "source": "test-pattern", "fps": 0}"#)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(Array(json.utf8)) }
        #expect(error?.source == nil)
        #expect(error?.problems.map(\.field) == ["cameras[1].fps"])
        #expect(error?.description == "invalid config: cameras[1].fps: 0 is out of range 1…120")
    }
}
