import CentreReceiver
import HTTPTypes
import Hummingbird
import Testing

/// `--inject-refusals`: the parser refuses what it cannot mean, the rolls map to the
/// listed shares, and the router answers a refused request without storing anything.
@Suite struct InjectedRefusalsTests {
    @Test func parsesAndMapsRolls() throws {
        let refusals = try InjectedRefusals(parsing: "500:20,429:10")
        #expect(refusals.status(roll: 0) == 500)
        #expect(refusals.status(roll: 19) == 500)
        #expect(refusals.status(roll: 20) == 429)
        #expect(refusals.status(roll: 29) == 429)
        #expect(refusals.status(roll: 30) == nil)
        #expect(refusals.status(roll: 99) == nil)
        #expect(try InjectedRefusals(parsing: "503:100").status(roll: 99) == 503)
    }

    @Test(arguments: [
        ("", "expected STATUS:PERCENT"),
        ("500", "expected STATUS:PERCENT"),
        ("500:x", "expected STATUS:PERCENT"),
        ("500:20,", "expected STATUS:PERCENT"),
        ("200:20", "not an error status"),
        ("500:101", "out of range 0…100"),
        ("500:-1", "out of range 0…100"),
        ("500:60,429:60", "add up to more than 100"),
    ])
    func refusesMalformed(text: String, message: String) {
        #expect(throws: InjectedRefusalsError.self) { try InjectedRefusals(parsing: text) }
        do { _ = try InjectedRefusals(parsing: text) } catch { #expect(error.description.contains(message)) }
    }

    @Test func theRouterAnswersTheInjectedStatus() async throws {
        let f = try UploadFixture()
        let router = CentreRoutes.router(f.receiver, injecting: InjectedRefusals(rules: [.init(status: 429, percent: 100)]))
        let request = Request(
            head: HTTPRequest(method: .head, scheme: "https", authority: "centre", path: "/v1/segments/cam1/0"),
            body: RequestBody(buffer: ByteBuffer()))
        let response = try await router.buildResponder().respond(
            to: request, context: CentreRequestContext(gateway: "site-042"))
        #expect(response.status.code == 429)
        #expect(response.headers[HTTPField.Name.retryAfter] == "1")
        let metrics = try await router.buildResponder().respond(
            to: Request(
                head: HTTPRequest(method: .get, scheme: "https", authority: "centre", path: "/metrics"),
                body: RequestBody(buffer: ByteBuffer())),
            context: CentreRequestContext(gateway: "site-042"))
        #expect(metrics.status.code == 200)
    }
}
