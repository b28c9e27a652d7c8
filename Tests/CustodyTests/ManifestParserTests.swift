import Custody
import EdgeJSON
import Testing

@Suite struct ManifestParserTests {
    /// A valid segment manifest, edited by `change` (a member replaced, added or removed).
    static func edited(_ change: @Sendable (inout [(key: String, value: JSONValue)]) -> Void) throws -> [UInt8] {
        let gw = try GatewayFixture()
        guard case .object(var members) = try JSONParser.parse(try gw.segment().json) else { return [] }
        change(&members)
        return CanonicalJSON.encode(.object(members))
    }

    static func replace(_ key: String, _ value: JSONValue?) -> @Sendable (inout [(key: String, value: JSONValue)]) -> Void {
        { members in
            members.removeAll { $0.key == key }
            if let value { members.append((key, value)) }
        }
    }

    static let cases: [(field: String, change: @Sendable (inout [(key: String, value: JSONValue)]) -> Void)] = [
        ("frames", replace("frames", nil)),
        ("frames", replace("frames", .string("250"))),
        ("frames", replace("frames", .number("-1"))),
        ("width", replace("width", .number("640.5"))),
        ("colour", replace("colour", .string("red"))),
        ("cause", replace("cause", .string("camera-lost"))),
        ("version", replace("version", .number("3"))),
        ("reason", replace("reason", .string("duration"))),
        ("codec", replace("codec", .string("mjpeg"))),
        ("frames", replace("frames", .null)),  // unknown only in a truncated segment
        ("start.boot", replace("start", .object([("wall", .string("2026-11-29T14:33:01.123456789Z")), ("monotonicNs", .number("1")), ("clockSynced", .bool(true))]))),
        ("kind", replace("kind", .string("clip"))),
        ("previous", replace("previous", .string("abc"))),
        ("sequence", replace("sequence", .number("-3"))),
        ("file", replace("file", .string("../../etc/passwd"))),
        ("camera", replace("camera", .string("cam/1"))),
        ("start.wall", replace("start", .object([("wall", .string("yesterday")), ("monotonicNs", .number("1")), ("clockSynced", .bool(true))]))),
        ("start.clockSynced", replace("start", .object([("boot", .string("b")), ("wall", .string("2026-11-29T14:33:01.123456789Z")), ("monotonicNs", .number("1"))]))),
        ("end.zone", replace("end", .object([("wall", .string("2026-11-29T14:33:01.123456789Z")), ("monotonicNs", .number("1")), ("clockSynced", .bool(true)), ("zone", .string("CET"))]))),
        ("ciphertext.sha256", replace("ciphertext", .object([("size", .number("5")), ("sha256", .string("00"))]))),
        ("ciphertext", replace("ciphertext", .array([]))),
        ("durationNs", replace("durationNs", .number("1"))),
        ("truncated", replace("truncated", .null)),
    ]

    @Test(arguments: 0..<cases.count) func malformedManifestsNameTheField(_ index: Int) throws {
        let (field, change) = Self.cases[index]
        let error = #expect(throws: ManifestError.self) { try ManifestParser.parse(try Self.edited(change)) }
        #expect(error?.field == field, "\(error.map(\.description) ?? "no error")")
    }

    @Test func nonJSONIsRefusedAsADocument() {
        for text in ["", "[]", "{\"version\":1,}", "null"] {
            let error = #expect(throws: ManifestError.self) { try ManifestParser.parse(Array(text.utf8)) }
            #expect(error?.field == "(document)" || error?.field == "version", "\(text)")
        }
    }
}
