import EdgeSystem
import Foundation
import SegmentRing
import TestSupport
import Testing
@testable import Uplink

/// A ring on disk made by hand (segments of random bytes, placeholder manifests and
/// signatures: the uplink only carries them), a keeper over it, and an uploader for one
/// destination driven step by step through a scripted transport on a manual clock.
final class UplinkHarness {
    let state: String
    let layout: RingLayout
    let holds: HoldBook
    let time = ManualTime()
    let keeper: RingKeeper
    let transport = ScriptedTransport()
    let stop: StopSignal
    let events = EventLog()
    var random: Double = 0.5

    init() throws {
        state = try Fixtures.scratchDirectory("uplink")
        layout = RingLayout(stateDirectory: state)
        holds = HoldBook(stateDirectory: state)
        try FileManager.default.createDirectory(atPath: layout.root, withIntermediateDirectories: true)
        keeper = RingKeeper(layout: layout, holds: holds, bounds: RingBounds(), custody: nil, time: time, clockSynced: { true })
        stop = try StopSignal()
    }

    static func stem(_ sequence: UInt64) -> String { String(format: "%08llu-20261129T1433%02lluZ", sequence, sequence % 60) }

    /// A sealed segment of `size` random bytes with its manifest and signature.
    @discardableResult
    func segment(_ camera: String = "cam", _ sequence: UInt64, size: Int = 1000) throws -> [UInt8] {
        let dir = layout.directory(camera: camera)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: sequence)
        // Large ones repeat a random 64 KiB block: drawing megabytes byte by byte is slow in debug builds.
        let block = generator.bytes(min(size, 64 << 10))
        var bytes = block
        while bytes.count < size { bytes += block.prefix(size - bytes.count) }
        let stem = Self.stem(sequence)
        try Fixtures.write(bytes, to: "\(dir)/\(stem).mkv.age")
        try Fixtures.write(Array("{\"camera\":\"\(camera)\",\"sequence\":\(sequence)}".utf8), to: "\(dir)/\(stem).json")
        try Fixtures.write(Array("untrusted comment: sig \(sequence)\n".utf8), to: "\(dir)/\(stem).json.minisig")
        return bytes
    }

    func gap(_ camera: String = "cam", _ sequence: UInt64) throws {
        let dir = layout.directory(camera: camera)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stem = String(format: "%08llu-gap", sequence)
        try Fixtures.write(Array("{\"cause\":\"crash\",\"sequence\":\(sequence)}".utf8), to: "\(dir)/\(stem).json")
        try Fixtures.write(Array("untrusted comment: gap\n".utf8), to: "\(dir)/\(stem).json.minisig")
    }

    func acked(_ camera: String = "cam", _ sequence: UInt64, destination: String = "centre") -> Bool {
        FileSystem.exists("\(layout.directory(camera: camera))/\(Self.stem(sequence)).ack-\(destination)")
    }

    func destination(_ name: String = "centre", rate: Int64? = nil, concurrency: Int = 1, liveDepth: Int = 2, backfillEvery: Int = 3, windows: [UploadWindow] = []) -> UplinkDestination {
        UplinkDestination(
            name: name, url: "https://centre.test:8443/", tls: UplinkTLS(caFile: "ca.pem", certFile: "c.pem", keyFile: "k.pem"),
            rateBytesPerSecond: rate, windows: windows, concurrency: concurrency, liveDepth: liveDepth, backfillEvery: backfillEvery)
    }

    func uploader(_ destination: UplinkDestination? = nil, clockSynced: Bool = true) throws -> DestinationUploader {
        try keeper.scan()
        let r = RandomBox(self)
        return DestinationUploader(
            destination: destination ?? self.destination(), layout: layout, acknowledgements: keeper, holds: holds, time: time, stop: stop,
            clockSynced: { clockSynced }, random: { r.value }, events: events.record)
    }

    func queue(liveDepth: Int = 2, backfillEvery: Int = 3, concurrency: Int = 1) throws -> UploadQueue {
        let q = UploadQueue(layout: layout, holds: holds, destination: "centre", liveDepth: liveDepth, backfillEvery: backfillEvery, concurrency: concurrency)
        try q.refresh()
        return q
    }
}

/// The harness's `random`, readable from a `@Sendable` closure.
final class RandomBox: @unchecked Sendable {
    unowned let harness: UplinkHarness
    init(_ h: UplinkHarness) { harness = h }
    var value: Double { harness.random }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [UplinkEvent] = []
    var all: [UplinkEvent] { lock.withLock { list } }
    @Sendable func record(_ e: UplinkEvent) { lock.withLock { list.append(e) } }
}

/// A transport answering from a script; what it was asked is kept, with the bytes a
/// file body would have sent.
final class ScriptedTransport: Transport, @unchecked Sendable {
    enum Answer {
        case respond(TransportResponse)
        /// The connection breaks after `sent` body bytes.
        case fail(UplinkError, sent: Int64)
    }
    struct Request {
        var method: String
        var url: String
        var headers: [String: String]
        var body: [UInt8]
        var offset: Int64?
    }

    var script: [Answer] = []
    private(set) var requests: [Request] = []
    /// Called before each answer, so a test can look at the ring mid-request.
    var before: (Request) -> Void = { _ in }

    func head(_ url: String, headers: [(String, String)], control: TransferControl) throws(UplinkError) -> TransportResponse {
        try answer(Request(method: "HEAD", url: url, headers: Self.dictionary(headers), body: [], offset: nil), control)
    }

    func put(_ url: String, headers: [(String, String)], body: UploadBody, control: TransferControl) throws(UplinkError) -> TransportResponse {
        var bytes: [UInt8] = []
        var offset: Int64?
        switch body {
        case .bytes(let b): bytes = b
        case .file(let path, let o, let length):
            let all = try! FileSystem.readFile(path)
            bytes = Array(all[Int(o)..<Int(o + length)])
            offset = o
        }
        return try answer(Request(method: "PUT", url: url, headers: Self.dictionary(headers), body: bytes, offset: offset), control)
    }

    private func answer(_ r: Request, _ control: TransferControl) throws(UplinkError) -> TransportResponse {
        requests.append(r)
        before(r)
        let next = script.isEmpty ? .respond(Self.ok()) : script.removeFirst()
        switch next {
        case .respond(let response):
            if r.method == "PUT" { control.progress(Int64(r.body.count)) }
            return response
        case .fail(let error, let sent):
            if sent > 0 { control.progress(sent) }
            throw error
        }
    }

    static func dictionary(_ h: [(String, String)]) -> [String: String] {
        Dictionary(h.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 })
    }

    static func ok(_ status: String = "stored") -> TransportResponse {
        TransportResponse(status: 200, body: Array("{\"status\":\"\(status)\"}".utf8))
    }
    static func offset(_ status: Int, _ n: Int64) -> TransportResponse {
        TransportResponse(status: status, headers: ["edge-offset": String(n)])
    }
    static let cut = UplinkError(.network, "connection reset", curlCode: 55)
}
