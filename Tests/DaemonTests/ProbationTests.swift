import EdgeJSON
import EdgeSystem
import Recorder
import Testing

@testable import Daemon

/// The judgement on a release on probation, on a manual clock: commit as soon as all is
/// proven, never before; roll back only once the deadline has passed, naming what was
/// missing.
@Suite struct ProbationTests {
    let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    func probation(destinations: Bool = true) -> Probation {
        Probation(version: "1.4.0", cameras: ["gate", "yard"], needsDelivery: destinations, started: start, deadline: .seconds(600))
    }

    func sealed(_ camera: String) -> DaemonEvent {
        DaemonEvent(.segmentSealed, [("camera", .string(camera)), ("sequence", .number("1"))])
    }

    @Test func itCommitsOnceEveryCameraSealedAndTheUplinkDelivered() {
        let p = probation()
        #expect(p.decide(problems: [], at: start + .seconds(5)) == nil)
        p.observe(sealed("gate"))
        p.observe(sealed("yard"))
        #expect(p.decide(problems: [], at: start + .seconds(20)) == nil)
        p.observe(DaemonEvent(.segmentUploaded, [("camera", .string("gate"))]))
        #expect(p.decide(problems: [], at: start + .seconds(30)) == .commit("healthy after 30 s: 2 camera(s) sealed, uplink delivered"))
    }

    @Test func withoutDestinationsSealingIsEnough() {
        let p = probation(destinations: false)
        p.observe(sealed("gate"))
        p.observe(sealed("yard"))
        #expect(p.decide(problems: [], at: start + .seconds(12)) == .commit("healthy after 12 s: 2 camera(s) sealed"))
    }

    @Test func aProblemOnTheHealthBoardHoldsTheCommitBack() {
        let p = probation(destinations: false)
        p.observe(sealed("gate"))
        p.observe(sealed("yard"))
        #expect(p.decide(problems: ["uplink: stuck"], at: start + .seconds(30)) == nil)
        #expect(p.decide(problems: [], at: start + .seconds(31)) != nil)
    }

    @Test func afterTheDeadlineItRollsBackNamingWhatWasMissing() {
        let p = probation()
        p.observe(sealed("gate"))
        p.observe(DaemonEvent(.cameraStreaming, [("camera", .string("yard"))]))
        #expect(p.decide(problems: ["cameras: yard has delivered no frame for 30 s"], at: start + .seconds(599)) == nil)
        #expect(
            p.decide(problems: ["cameras: yard has delivered no frame for 30 s"], at: start + .seconds(600))
                == .rollBack("not proven within 600 s: cameras: yard has delivered no frame for 30 s; no segment sealed yet by yard; no segment delivered yet"))
    }

    @Test func aSealedEventWithoutACameraCountsForNothing() {
        let p = probation(destinations: false)
        p.observe(DaemonEvent(.segmentSealed, []))
        #expect(p.missing(problems: []) == ["no segment sealed yet by gate, yard"])
    }
}
