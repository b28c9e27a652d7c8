import DeviceIdentity
import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Release
import Synchronization
import TestSupport
import Testing
import UpdateChannel

@testable import Updater

/// A daemon's config in memory: what `apply` was given, and what it answers.
final class FakeTarget: ConfigTarget {
    let gateway = "site-042"
    let file = Mutex<[UInt8]>(Array("{}\n".utf8))
    let applied = Mutex<[UInt64]>([])
    let refusals = Mutex<[(UInt64, String)]>([])
    /// nil: applied; otherwise refused with this reason (a camera that did not stream).
    let answer = Mutex<String?>(nil)
    /// A technician's change in progress: the push waits.
    let busy = Mutex(false)

    func currentBytes() -> [UInt8]? { file.withLock { $0 } }
    func apply(_ bytes: [UInt8], version: UInt64) -> ConfigApplyResult {
        applied.withLock { $0.append(version) }
        if busy.withLock({ $0 }) { return .notNow(reason: "another config change is in progress") }
        if let reason = answer.withLock({ $0 }) { return .refused(reason: reason) }
        file.withLock { $0 = bytes }
        return .applied(detail: "added: yard")
    }
    func refused(version: UInt64, reason: String) { refusals.withLock { $0.append((version, reason)) } }
}

/// Configs pushed through the update channel: checked, applied once, never a refused or an
/// older version again, and reported with drift.
@Suite struct ConfigPushTests {
    let g: Gateway
    let centre = ChannelCentre()
    let target = FakeTarget()
    let config = Array(#"{"gateway":"site-042","cameras":[{"id":"yard","source":"test-pattern"}]}"#.utf8)

    init() throws {
        g = try Gateway()
        try g.bootstrap()
    }

    func channel() -> UpdateChannel {
        UpdateChannel(base: "https://centre.test", transport: centre, updater: g.updater, configTarget: target, time: g.time)
    }

    /// Publishes `signed` as the desired config (announced as `announced`, by default its own version).
    func push(_ signed: SignedConfig, announced: UInt64? = nil) {
        centre.desired = CanonicalJSON.encode(
            .object([
                ("pollSeconds", .integer(300)), ("release", .null),
                (
                    "config",
                    .object([
                        ("version", .number(String(announced ?? signed.version))),
                        ("signed", .string(String(decoding: signed.envelope, as: UTF8.self))), ("signature", .string(signed.signature)),
                    ])
                ),
            ]))
    }

    func sign(_ version: UInt64, gateway: String = "site-042", key: DeviceKey? = nil) throws -> SignedConfig {
        try SignedConfig.make(config: config, gateway: gateway, version: version, key: key ?? g.key)
    }

    var lastReport: JSONValue? { centre.reports.last?["config"] }

    @Test func aPushedConfigIsAppliedOnceAndReportedWithItsHash() throws {
        let signed = try sign(3)
        push(signed)
        let c = channel()
        #expect(c.round() == .idle("nothing published for this gateway"))
        #expect(target.applied.withLock { $0 } == [3])
        #expect(target.file.withLock { $0 } == signed.configBytes)
        #expect(lastReport?["version"] == .number("3"))
        #expect(lastReport?["sha256"] == .string(Hex.encode(SHA256.hash(signed.configBytes))))
        #expect(lastReport?["drift"] == .bool(false))
        #expect(lastReport?["last"]?["result"] == .string("applied"))
        _ = c.round()
        _ = channel().round()  // after a restart too
        #expect(target.applied.withLock { $0 } == [3])
    }

    @Test func aLocalChangeAfterAPushIsReportedAsDrift() throws {
        push(try sign(1))
        _ = channel().round()
        target.file.withLock { $0 += Array(" ".utf8) }
        _ = channel().round()
        #expect(lastReport?["drift"] == .bool(true))
        #expect(lastReport?["version"] == .number("1"))
    }

    @Test func aRefusedVersionIsNeverTriedAgainAndAHigherOneIs() throws {
        target.answer.withLock { $0 = "camera yard did not stream within 10 s" }
        push(try sign(2))
        _ = channel().round()
        _ = channel().round()
        #expect(target.applied.withLock { $0 } == [2])
        #expect(lastReport?["version"] == .null)
        #expect(lastReport?["last"]?["result"] == .string("refused"))
        #expect(lastReport?["last"]?["detail"] == .string("camera yard did not stream within 10 s"))
        target.answer.withLock { $0 = nil }
        push(try sign(3))
        _ = channel().round()
        #expect(target.applied.withLock { $0 } == [2, 3])
        #expect(lastReport?["version"] == .number("3"))
    }

    @Test func aBusyDaemonIsAskedAgainAtTheNextRound() throws {
        target.busy.withLock { $0 = true }
        push(try sign(6))
        _ = channel().round()
        #expect(lastReport?["last"] == .null)
        target.busy.withLock { $0 = false }
        _ = channel().round()
        #expect(target.applied.withLock { $0 } == [6, 6])
        #expect(lastReport?["version"] == .number("6"))
    }

    @Test func anOlderOrEqualVersionIsNotApplied() throws {
        push(try sign(5))
        _ = channel().round()
        push(try sign(4))
        _ = channel().round()
        push(try sign(5))
        _ = channel().round()
        #expect(target.applied.withLock { $0 } == [5])
    }

    @Test func anUntrustedKeyAnotherGatewayOrAMismatchedVersionNeverReachesTheDaemon() throws {
        let other = try DeviceKey.create(keyFile: "\(g.directory)/other.key", role: "release key")
        let cases: [(SignedConfig, UInt64?, String)] = [
            (try sign(1, key: other), nil, "not trusted here"),
            (try sign(2, gateway: "site-043"), nil, "for gateway \"site-043\""),
            (try sign(3), 9, "announced as version 9, signed as version 3"),
        ]
        for (signed, announced, words) in cases {
            push(signed, announced: announced)
            _ = channel().round()
            let reason = try #require(target.refusals.withLock { $0.last?.1 })
            #expect(reason.contains(words), "\(reason)")
            #expect(lastReport?["last"]?["result"] == .string("refused"))
        }
        #expect(target.applied.withLock { $0 }.isEmpty)
        #expect(target.refusals.withLock { $0.map(\.0) } == [1, 2, 9])
    }

    @Test func aTamperedEnvelopeIsRefusedAtTheSignature() throws {
        var signed = try sign(4)
        let i = signed.envelope.firstIndex(of: UInt8(ascii: "y"))!
        signed.envelope[i] = UInt8(ascii: "Y")
        push(signed)
        _ = channel().round()
        #expect(target.applied.withLock { $0 }.isEmpty)
        #expect(target.refusals.withLock { $0.first?.1.contains("does not verify") } == true)
    }

    @Test func aDamagedStateFileStopsPushesAndSaysHowToRecover() throws {
        try FileSystem.makeDirectories(g.paths.updateDirectory)
        try Fixtures.write(Array("{not json".utf8), to: ConfigPushState.path(in: g.paths.updateDirectory))
        push(try sign(1))
        let heard = Mutex<[String]>([])
        let c = UpdateChannel(
            base: "https://centre.test", transport: centre, updater: g.updater, configTarget: target, time: g.time,
            log: { line in heard.withLock { $0.append(line) } })
        _ = c.round()
        #expect(target.applied.withLock { $0 }.isEmpty)
        #expect(heard.withLock { $0.contains { $0.contains("config-push.json") && $0.contains("move it away to start afresh") } })
    }

    /// A desired state's config, read strictly.
    @Test(arguments: [
        (#"{"pollSeconds":300,"release":null,"config":[]}"#, "config must be an object"),
        (#"{"pollSeconds":300,"release":null,"config":{"version":0,"signed":"x","signature":""}}"#, "config.version"),
        (#"{"pollSeconds":300,"release":null,"config":{"version":1,"signed":"","signature":""}}"#, "config.signed"),
        (#"{"pollSeconds":300,"release":null,"config":{"version":1,"signed":"x","signature":7}}"#, "config.signature"),
        (#"{"pollSeconds":300,"release":null,"config":{"version":1,"signed":"x","signature":"","more":1}}"#, "unknown field config.more"),
    ])
    func malformedConfigsInTheDesiredStateAreRefused(text: String, words: String) {
        do {
            _ = try DesiredState.parse(Array(text.utf8))
            Issue.record("\(text) was accepted")
        } catch { #expect(error.message.contains(words), "\(error.message)") }
    }
}
