import EdgeSystem
@testable import Enrolment
import Testing
import TestSupport

@Suite struct EnrolmentTokenTests {
    let now = WallTime(rfc3339: "2026-12-06T10:00:00.000000000Z")!

    @Test func aTokenLetsItsGatewayInOnceAndIsKeptOnlyAsAHash() throws {
        let tokens = EnrolmentTokens(directory: try Fixtures.scratchDirectory("tokens"))
        let token = try tokens.issue(for: "site-042", now: now, expires: now + .seconds(86_400))
        #expect(token.count == 39 && token.split(separator: "-").count == 8)
        let record = String(decoding: try FileSystem.readFile(tokens.recordPath("site-042"), limit: 4096), as: UTF8.self)
        #expect(!record.contains(token) && !record.contains(EnrolmentTokens.normalised(token)))
        // Typed in lower case, without the dashes: the same token.
        try tokens.check(token.lowercased().replacingAll("-", ""), for: "site-042", now: now)
        try tokens.redeem(token, for: "site-042", now: now + .seconds(60))
        let again = #expect(throws: EnrolmentError.self) { try tokens.redeem(token, for: "site-042", now: now + .seconds(61)) }
        #expect(again?.code == .usedToken)
        #expect(again?.message == "the enrolment token for site-042 was used already: ask the centre for a new one")
        #expect(FileSystem.exists(tokens.usedPath("site-042")))
    }

    @Test func wrongExpiredOrForeignTokensAreRefusedWithWhy() throws {
        let tokens = EnrolmentTokens(directory: try Fixtures.scratchDirectory("tokens-bad"))
        let token = try tokens.issue(for: "site-042", now: now, expires: now + .seconds(3600))
        let wrong = #expect(throws: EnrolmentError.self) { try tokens.check("AAAA-BBBB", for: "site-042", now: now) }
        #expect(wrong?.code == .unknownToken)
        let foreign = #expect(throws: EnrolmentError.self) { try tokens.check(token, for: "site-043", now: now) }
        #expect(foreign?.message == "no enrolment token was issued for site-043: ask the centre for one")
        let late = #expect(throws: EnrolmentError.self) { try tokens.check(token, for: "site-042", now: now + .seconds(3600)) }
        #expect(late?.message == "the enrolment token for site-042 expired at 2026-12-06T11:00:00Z: ask the centre for a new one")
        let path = #expect(throws: EnrolmentError.self) { try tokens.check(token, for: "../site-042", now: now) }
        #expect(path?.code == .malformed)
        // A refused token is still there for the right gateway.
        try tokens.check(token, for: "site-042", now: now)
    }

    @Test func issuingChecksTheIdAndTheLifetime() throws {
        let tokens = EnrolmentTokens(directory: try Fixtures.scratchDirectory("tokens-issue"))
        for id in ["", "Site-042", "a/b", String(repeating: "a", count: 65)] {
            #expect(throws: EnrolmentError.self) { try tokens.issue(for: id, now: now, expires: now + .seconds(60)) }
        }
        #expect(throws: EnrolmentError.self) { try tokens.issue(for: "site-042", now: now, expires: now) }
        #expect(throws: EnrolmentError.self) { try tokens.issue(for: "site-042", now: now, expires: now + .seconds(7 * 86_400 + 1)) }
        // Issuing again replaces the token: the first no longer works.
        let first = try tokens.issue(for: "site-042", now: now, expires: now + .seconds(60))
        let second = try tokens.issue(for: "site-042", now: now, expires: now + .seconds(60))
        #expect(first != second)
        #expect(throws: EnrolmentError.self) { try tokens.check(first, for: "site-042", now: now) }
        try tokens.check(second, for: "site-042", now: now)
    }

    @Test func aDamagedRecordRefusesRatherThanLetsIn() throws {
        let tokens = EnrolmentTokens(directory: try Fixtures.scratchDirectory("tokens-damaged"))
        let token = try tokens.issue(for: "site-042", now: now, expires: now + .seconds(60))
        for damaged in ["", "{", #"{"gateway": "site-042"}"#, #"{"gateway": "site-043", "sha256": "00", "expires": "x"}"#] {
            try Fixtures.write(Array(damaged.utf8), to: tokens.recordPath("site-042"))
            let error = #expect(throws: EnrolmentError.self) { try tokens.check(token, for: "site-042", now: now) }
            #expect(error?.code == .storage, "\(damaged)")
        }
    }

    @Test func base32TextUsesOnlyUnambiguousLetters() {
        let text = EnrolmentTokens.text([UInt8](repeating: 0xFF, count: 20)) + EnrolmentTokens.text([UInt8](repeating: 0, count: 20))
        #expect(!text.contains(where: { "IO01".contains($0) }))
        #expect(EnrolmentTokens.text([0, 0, 0, 0, 0]) == "AAAA-AAAA")
    }
}

@Suite struct EnrolmentMessageTests {
    @Test func aRequestRoundTrips() throws {
        let (csr, _) = try CertificateRequest.make(commonName: "site-042")
        let request = EnrolmentRequest(csr: csr, deviceKey: "untrusted comment: x\nRWQ=\n")
        #expect(try EnrolmentRequest.parse(request.json) == request)
    }

    @Test(arguments: [
        ("", "the request is not JSON"),
        ("[1]", "the request must be a JSON object"),
        (#"{"csr": 1, "deviceKey": "k"}"#, "csr is missing or not a string"),
        (#"{"csr": "x", "deviceKey": "k", "more": 1}"#, #"unknown field "more""#),
        (#"{"csr": "x"}"#, "deviceKey is missing"),
        (#"{"csr": "x", "deviceKey": "k"}"#, "not a PEM CERTIFICATE REQUEST"),
        (#"{"csr": "x", "deviceKey": "\#(String(repeating: "k", count: 1025))"}"#, "longer than 1024 bytes"),
        (String(repeating: " ", count: 16 * 1024 + 1), "at most 16384"),
    ])
    func malformedRequestsSayWhatIsWrong(_ body: String, _ why: String) {
        let error = #expect(throws: EnrolmentError.self) { try EnrolmentRequest.parse(Array(body.utf8)) }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains(why) == true, "\(error?.message ?? "")")
    }

    @Test func anAnswerWithoutItsPartsIsRefused() {
        for body in ["", "{}", #"{"certificate": "x"}"#, #"{"certificate": 1, "ca": "y"}"#] {
            #expect(throws: EnrolmentError.self) { try EnrolmentAnswer.parse(Array(body.utf8)) }
        }
    }
}

extension String {
    fileprivate func replacingAll(_ a: Character, _ b: String) -> String { split(separator: a).joined(separator: b) }
}
