import CV4L2
import EdgeCore
import EdgeSystem
import Testing
import V4L2Capture

@Suite struct V4L2SourceFailureTests {
    /// Opens, reads frames until the source throws, and returns what it threw.
    private func failure(after script: [FakeEvent], stall: Duration = .seconds(5)) throws -> (SourceFailure, FakeKernel) {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam], script: script)
        let source = Fixture.source(kernel, Fixture.config(stall: stall))
        _ = try source.open()
        defer { source.close() }
        let stop = try Wakeup()
        do {
            while try source.nextFrame(stop: stop) != nil {}
            Issue.record("the source ended without failing")
        } catch let failure as SourceFailure {
            return (failure, kernel)
        }
        throw SourceFailure(.unusable, "unreachable")
    }

    @Test func deviceGoneMidStreamIsLost() throws {
        let (failure, _) = try failure(after: [Fixture.frame(0), .failure(ENODEV)])
        #expect(failure.kind == .lost)
        #expect(failure.message == "camera \(Fixture.path) disappeared (ENODEV): check the cable; retrying")
    }

    @Test func ioErrorIsLost() throws {
        let (failure, _) = try failure(after: [.failure(EIO)])
        #expect(failure.kind == .lost)
        #expect(failure.message.contains("VIDIOC_DQBUF (EIO)"))
    }

    @Test func hangupIsLost() throws {
        let (failure, _) = try failure(after: [Fixture.frame(0), .hangup])
        #expect(failure.kind == .lost)
        #expect(failure.message.contains("disappeared (POLLHUP)"))
    }

    @Test func silenceLongerThanTheStallTimeoutIsAStall() throws {
        let (failure, kernel) = try failure(after: [Fixture.frame(0), .silence], stall: .seconds(3))
        #expect(failure.kind == .stalled)
        #expect(failure.message.contains("sent no frame for 3 s"))
        #expect(kernel.mistakes.isEmpty)
    }

    @Test func closeStopsStreamingAndReleasesEverything() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam], script: [Fixture.frame(0)])
        let source = Fixture.source(kernel)
        _ = try source.open()
        _ = try source.nextFrame(stop: try Wakeup())
        source.close()
        #expect(kernel.openDescriptors == 0)
        #expect(kernel.mappedBuffers == 0)
        let tail = kernel.calls.drop(while: { $0 != "VIDIOC_STREAMOFF" })
        #expect(Array(tail) == ["VIDIOC_STREAMOFF", "munmap", "munmap", "munmap", "munmap", "close"])
        #expect(kernel.mistakes.isEmpty)
    }

    @Test func reopeningAfterLossStartsAfresh() throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam], script: [.failure(ENODEV), Fixture.frame(0)])
        let source = Fixture.source(kernel)
        let stop = try Wakeup()
        _ = try source.open()
        #expect(throws: SourceFailure.self) { try source.nextFrame(stop: stop) }
        source.close()
        _ = try source.open()
        #expect(try source.nextFrame(stop: stop)?.sequence == 0)
        #expect(kernel.openDescriptors == 1 && kernel.mappedBuffers == 4)
        source.close()
        #expect(kernel.openDescriptors == 0 && kernel.mappedBuffers == 0)
    }

    @Test(arguments: [
        ("VIDIOC_S_FMT", 1, EBUSY), ("VIDIOC_REQBUFS", 1, ENOMEM), ("mmap", 3, ENOMEM),
        ("VIDIOC_QBUF", 2, EIO), ("VIDIOC_STREAMON", 1, ENODEV),
    ])
    func openFailingHalfWayLeaksNothing(call: String, nth: Int, code: Int32) throws {
        let kernel = FakeKernel([Fixture.path: Fixture.webcam])
        kernel.fail(call, nth: nth, with: code)
        let source = Fixture.source(kernel)
        #expect(throws: SourceFailure.self) { try source.open() }
        #expect(kernel.openDescriptors == 0)
        #expect(kernel.mappedBuffers == 0)
        #expect(kernel.mistakes.isEmpty)
    }

    @Test func missingDeviceIsLostAndNamesThePath() throws {
        let kernel = FakeKernel([:])
        let error = #expect(throws: SourceFailure.self) { try Fixture.source(kernel).open() }
        #expect(error?.kind == .lost)
        #expect(error?.message == "camera \(Fixture.path) not found (ENOENT): check the cable and the device path; retrying")
    }

    @Test(arguments: [
        (V4L2_CAP_META_CAPTURE, "it lacks video capture (it is a metadata node"),
        (V4L2_CAP_VIDEO_CAPTURE, "it lacks streaming I/O (it offers only read())"),
    ])
    func refusesANodeThatCannotCaptureByStreaming(capability: Int32, lack: String) throws {
        var camera = Fixture.webcam
        camera.capabilities = UInt32(capability) | UInt32(capability == V4L2_CAP_META_CAPTURE ? V4L2_CAP_STREAMING : 0)
        let kernel = FakeKernel([Fixture.path: camera])
        let error = #expect(throws: SourceFailure.self) { try Fixture.source(kernel).open() }
        #expect(error?.kind == .unusable)
        #expect(error?.message.hasPrefix("\(Fixture.path) (fakecam \"Fake Camera\") cannot be recorded: \(lack)") == true)
        #expect(kernel.openDescriptors == 0)
    }

    @Test func refusesFormatsNothingCanRecord() throws {
        let bayer = FakeCamera(formats: [.init(fourcc: "BA81", name: "Bayer", sizes: [(64, 48)])])
        let kernel = FakeKernel([Fixture.path: bayer])
        let error = #expect(throws: SourceFailure.self) { try Fixture.source(kernel).open() }
        #expect(error?.kind == .unusable)
        #expect(error?.message.contains("offers BA81, none of which can be recorded") == true)
        #expect(kernel.convertingOpens == 1)
        #expect(kernel.openDescriptors == 0)
    }
}
