import EdgeJSON
import EdgeSystem
import Testing
import TestSupport

@testable import CentreReceiver

/// A gateway's desired state holds a release and a config, published apart: each
/// publication keeps the other.
@Suite struct FleetConfigTests {
    func desired(_ store: FleetStore, _ gateway: String) throws -> JSONValue? {
        try store.desired(for: gateway).map { try JSONParser.parse($0) }
    }

    @Test func aConfigPushKeepsTheReleaseAndARolloutKeepsTheConfig() throws {
        let store = try FleetStore(directory: try Fixtures.scratchDirectory("fleet-config"))
        // A config first: the gateway asks every pollSeconds, with no release.
        try store.publishConfig(gateway: "site-042", version: 2, envelope: Array("{}".utf8), signature: "sig", pollSeconds: 600)
        var d = try #require(try desired(store, "site-042"))
        #expect(d["pollSeconds"] == .number("600"))
        #expect(d["release"] == .null)
        #expect(d["config"]?["version"] == .number("2"))
        // A release offered after it keeps the config.
        let release = CanonicalJSON.encode(.object([("pollSeconds", .integer(300)), ("release", .object([("version", .string("1.4.0"))]))]))
        try store.offer(release, to: ["site-042", "site-043"])
        d = try #require(try desired(store, "site-042"))
        #expect(d["release"]?["version"] == .string("1.4.0"))
        #expect(d["pollSeconds"] == .number("300"))
        #expect(d["config"]?["signed"] == .string("{}"))
        #expect(try desired(store, "site-043")?["config"] == nil)
        // A newer config keeps the release.
        try store.publishConfig(gateway: "site-042", version: 3, envelope: Array("{}".utf8), signature: "sig", pollSeconds: 600)
        d = try #require(try desired(store, "site-042"))
        #expect(d["release"]?["version"] == .string("1.4.0"))
        #expect(d["config"]?["version"] == .number("3"))
        #expect(d["pollSeconds"] == .number("300"))
    }
}
