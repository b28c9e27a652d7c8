import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Testing
import TestSupport

@testable import CentreReceiver

/// Staged rollouts: a stage is offered only once the one before has committed; too many
/// failures halt it, and the gateways not yet offered the release never are.
@Suite struct RolloutTests {
    /// A stored report whose latest outcome for `version` is `result`.
    static func report(_ version: String, _ result: String) -> JSONValue {
        .object([
            ("receivedAt", .string("2026-12-05T12:00:00.000000000Z")),
            (
                "report",
                .object([
                    ("firmware", .object([("version", .string(version))])),
                    ("outcomes", .array([.object([("version", .string(version)), ("result", .string(result))])])),
                ])
            ),
        ])
    }

    static func rollout(maxFailures: Int = 0) -> Rollout {
        Rollout(
            version: "1.4.0", sha256: String(repeating: "ab", count: 32), desired: Array(#"{"pollSeconds":300}"#.utf8),
            stages: [["canary"], ["b", "c"]], maxFailures: maxFailures)
    }

    @Test func eachStageWaitsForEveryCommitOfTheOneBefore() {
        var r = Self.rollout()
        var reports: [String: JSONValue] = [:]
        #expect(r.advance { reports[$0] } == nil)
        #expect(r.note == "stage 1 of 2: 0 of 1 committed")
        reports["canary"] = Self.report("1.4.0", "committed")
        #expect(r.advance { reports[$0] } == ["b", "c"])
        #expect(r.stage == 1 && r.state == .running)
        reports["b"] = Self.report("1.4.0", "committed")
        reports["c"] = Self.report("1.3.0", "committed")  // another release's outcome counts for nothing
        #expect(r.advance { reports[$0] } == nil)
        #expect(r.note == "stage 2 of 2: 1 of 2 committed")
        reports["c"] = Self.report("1.4.0", "committed")
        #expect(r.advance { reports[$0] } == nil)
        #expect(r.state == .done)
    }

    @Test func aFailedCanaryHaltsTheRolloutNamingIt() {
        var r = Self.rollout()
        #expect(r.advance { $0 == "canary" ? Self.report("1.4.0", "rolled-back") : nil } == nil)
        #expect(r.state == .halted)
        #expect(r.note == "halted at stage 1 of 2: 1 failure(s), more than 0: canary (rolled-back)")
        // Halted is final: a later commit does not restart it.
        #expect(r.advance { _ in Self.report("1.4.0", "committed") } == nil)
        #expect(r.state == .halted)
    }

    @Test func failuresUpToTheThresholdAreToleratedAcrossStages() {
        var r = Self.rollout(maxFailures: 1)
        var reports = ["canary": Self.report("1.4.0", "committed")]
        #expect(r.advance { reports[$0] } == ["b", "c"])
        reports["b"] = Self.report("1.4.0", "refused")
        #expect(r.advance { reports[$0] } == nil)
        #expect(r.state == .running)
        reports["c"] = Self.report("1.4.0", "rolled-back")
        _ = r.advance { reports[$0] }
        #expect(r.state == .halted)
    }

    @Test func aRolloutReadsBackAsItWasSaved() throws {
        var r = Self.rollout()
        _ = r.advance { _ in Self.report("1.4.0", "committed") }
        #expect(Rollout(json: try JSONParser.parse(CanonicalJSON.encode(r.json))) == r)
        #expect(Rollout(json: .object([("version", .string("1"))])) == nil)
    }

    @Test func theStoreOffersTheNextStageWhenTheCanaryReportsItsCommit() throws {
        let directory = try Fixtures.scratchDirectory("fleet")
        let fleet = try FleetStore(directory: directory)
        try Fixtures.write([1, 2, 3], to: "\(directory)/release.tar")
        let hex = String(repeating: "cd", count: 32)
        try fleet.publish(
            archive: "\(directory)/release.tar", sha256: hex, size: 3, version: "1.4.0", securityVersion: 1,
            stages: [["canary"], ["b"]], pollSeconds: 300)
        #expect(try fleet.desired(for: "canary") != nil)
        #expect(try fleet.desired(for: "b") == nil)
        let committed = CanonicalJSON.encode(Self.report("1.4.0", "committed")["report"]!)
        try fleet.storeReport(gateway: "b", bytes: committed, at: WallTime(nanosecondsSinceEpoch: 0))
        #expect(fleet.advance(after: "b").isEmpty)  // b was not offered it: no step
        try fleet.storeReport(gateway: "canary", bytes: committed, at: WallTime(nanosecondsSinceEpoch: 0))
        let lines = fleet.advance(after: "canary")
        #expect(lines.count == 1 && lines[0].contains("state=running"))
        #expect(try fleet.desired(for: "b") == fleet.desired(for: "canary"))
        #expect(try fleet.rollouts().first?.stage == 1)
    }

    @Test func groupsAreReadOneIdPerLineWithComments() throws {
        let directory = try Fixtures.scratchDirectory("fleet")
        let fleet = try FleetStore(directory: directory)
        try Fixtures.write(Array("# canaries\nsite-042\n  site-043  # the depot\n\n".utf8), to: "\(directory)/groups/canary")
        #expect(try fleet.group("canary") == ["site-042", "site-043"])
    }
}
