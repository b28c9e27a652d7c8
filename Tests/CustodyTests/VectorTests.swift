import Custody
import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Testing
import TestSupport

/// The conformance vectors of MANIFEST.md §11 (Tests/Fixtures/custody-vectors), written
/// from the specification alone: the canonical-form table, and stores with the verdict
/// and findings a conforming verifier must give.
@Suite struct VectorTests {
    static let root = Fixtures.path("custody-vectors")

    static var chainCases: [String] {
        ((try? FileSystem.list(root + "/chains")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func json(_ path: String) throws -> JSONValue { try JSONParser.parse(try FileSystem.readFile(path)) }

    @Test func theCanonicalFormTable() throws {
        guard case .array(let cases) = try Self.json(Self.root + "/canonical.json") else {
            Issue.record("canonical.json is not an array")
            return
        }
        #expect(cases.count >= 30)
        for entry in cases {
            let name = entry["name"]?.textValue ?? "?"
            let input = Array((entry["input"]?.textValue ?? "").utf8)
            if entry["refused"] == .bool(true) {
                #expect(throws: (any Error).self, "\(name)") { try JSONParser.parse(input) }
                continue
            }
            let value = try JSONParser.parse(input)
            let canonical = CanonicalJSON.encode(value)
            #expect(String(decoding: canonical, as: UTF8.self) == entry["canonical"]?.textValue, "\(name)")
            #expect(Hex.encode(SHA256.hash(canonical)) == entry["sha256"]?.textValue, "\(name)")
        }
    }

    struct Finding: Hashable, CustomStringConvertible {
        var name: String
        var camera: String
        var sequence: UInt64?
        var description: String { "\(name)(\(camera), \(sequence.map(String.init) ?? "null"))" }
    }

    @Test(arguments: chainCases)
    func aStoreGetsItsVerdict(_ name: String) throws {
        let directory = "\(Self.root)/chains/\(name)"
        let key = try MinisignPublicKey(parsing: String(decoding: try FileSystem.readFile("\(directory)/key.pub"), as: UTF8.self))
        let expected = try Self.json("\(directory)/expected.json")
        let report = try ChainVerifier(publicKey: key).verify(directory: directory)
        #expect(report.isIntact == (expected["intact"] == .bool(true)), "\(report.text)")
        #expect(report.isCompleteToCheckpoints == (expected["completeToCheckpoints"] == .bool(true)), "\(report.text)")

        let failure = Set(ChainReport.Finding.Kind.allCases.filter(\.isFailure).map(\.rawValue))
        var listed: [Finding] = []
        if case .array(let items)? = expected["findings"] {
            for item in items {
                listed.append(
                    Finding(
                        name: item["name"]?.textValue ?? "", camera: item["camera"]?.textValue ?? "",
                        sequence: item["sequence"]?.textValue.flatMap { UInt64($0) }))
            }
        }
        let reported = report.findings.map { Finding(name: $0.kind.rawValue, camera: $0.camera, sequence: $0.sequence) }
        // The failures exactly (as a multiset); every listed notice.
        #expect(
            reported.filter { failure.contains($0.name) }.sorted { "\($0)" < "\($1)" }
                == listed.filter { failure.contains($0.name) }.sorted { "\($0)" < "\($1)" },
            "\(report.text)")
        for notice in listed where !failure.contains(notice.name) {
            #expect(reported.contains(notice), "\(notice) not reported:\n\(report.text)")
        }
    }

    @Test func edgeCentreVerifyExitsZeroExactlyForTheIntactStores() throws {
        let binary = edgeCentre
        try #require(FileSystem.exists(binary), "build edge-centre first: \(binary)")
        for name in Self.chainCases {
            let directory = "\(Self.root)/chains/\(name)"
            let expected = try Self.json("\(directory)/expected.json")
            let result = try Tool.run(binary, ["verify", directory, "--gateway-key", "\(directory)/key.pub"])
            #expect((result.status == 0) == (expected["intact"] == .bool(true)), "\(name): \(result.stdout)")
        }
    }
}

extension JSONValue {
    /// A string's text, or a number's digits.
    fileprivate var textValue: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n
        default: nil
        }
    }
}
