import Custody
import EdgeCrypto
import EdgeSystem
import NIOCore
import NIOPosix
import Synchronization

/// The upload protocol of Sources/Uplink/PROTOCOL.md, independent of HTTP plumbing: the
/// routes hand it the gateway (from the verified client certificate), the URL's camera and
/// sequence, the headers and the body stream, and send back the `Reply`.
///
/// Nothing is acknowledged before it is durable: body bytes are appended to the partial
/// upload and fsynced before any answer (also when the connection is cut, so a retry
/// resumes); a finished segment is renamed into place with its manifest and signature and
/// the directory fsynced before `200`.
///
/// A connection that goes quiet mid-body (a 4G link dropped without a reset) is closed
/// after `bodyStallTimeout`, and a new request for a segment whose previous request is
/// still open closes that older connection: the gateway sends one request per segment at
/// a time, so the older one is dead. Either way what arrived is kept and the gateway
/// resumes from it.
public final class SegmentReceiver: Sendable {
    /// Closes the connection a request arrived on (ends its body stream).
    public typealias CloseConnection = @Sendable () -> Void

    public struct SegmentHeaders: Sendable {
        public var manifest: String?
        public var signature: String?
        public var offset: String?
        public var contentLength: String?

        public init(manifest: String?, signature: String?, offset: String?, contentLength: String?) {
            self.manifest = manifest
            self.signature = signature
            self.offset = offset
            self.contentLength = contentLength
        }
    }

    public let archive: any SegmentArchive
    public let keys: GatewayKeys
    public let metrics: ReceiverMetrics
    /// The largest segment accepted (its manifest's ciphertext size).
    public let maxSegmentBytes: Int64
    /// One line per event (stored, duplicate, conflict, refused, chain break…).
    let log: @Sendable (String) -> Void
    /// Time a request body may go without a byte before its connection is closed.
    public let bodyStallTimeout: Duration
    /// Keys with a request in progress (one per segment at a time), and how to close the
    /// connection each arrived on.
    private let busy = Mutex<[SegmentKey: CloseConnection]>([:])
    /// Body bytes gathered before one write (bounds memory per upload).
    static let writeBatch = 256 * 1024

    public init(
        archive: any SegmentArchive, keys: GatewayKeys, metrics: ReceiverMetrics = ReceiverMetrics(),
        maxSegmentBytes: Int64 = 1 << 30, bodyStallTimeout: Duration = .seconds(60),
        log: @escaping @Sendable (String) -> Void
    ) {
        self.bodyStallTimeout = bodyStallTimeout
        self.archive = archive
        self.keys = keys
        self.metrics = metrics
        self.maxSegmentBytes = maxSegmentBytes
        self.log = log
    }

    // MARK: HEAD /v1/segments/{camera}/{sequence}

    public func head(_ key: SegmentKey, close: @escaping CloseConnection = {}) async -> Reply {
        await answering(key, event: "head", close: close) {
            if let stored = try await self.io({ try self.archive.stored(key) }) {
                guard case .segment(let segment) = stored.manifest.body else {
                    throw Refusal(409, "conflict", "sequence \(key.sequence) of \(key.camera) is stored as a gap")
                }
                return Reply(status: 200, offset: segment.ciphertextSize, complete: true)
            }
            let length = try await self.io { try self.archive.partialLength(key) }
            return Reply(status: length > 0 ? 200 : 404, offset: length)
        }
    }

    // MARK: PUT /v1/segments/{camera}/{sequence}

    /// - Parameter beforeBody: called once every check on the headers has passed, just
    ///   before the body is read (the route answers `Expect: 100-continue` there).
    public func putSegment<Body: AsyncSequence>(
        _ key: SegmentKey, headers: SegmentHeaders, body: Body, close: @escaping CloseConnection = {},
        beforeBody: @Sendable () async -> Void = {}
    ) async -> Reply
    where Body.Element == ByteBuffer {
        await answering(key, event: "segment", close: close) {
            let checked = try await self.checkedManifest(
                key, kind: "segment", json: try Self.base64(headers.manifest, "Edge-Manifest"),
                signature: try Self.base64(headers.signature, "Edge-Signature"))
            guard case .segment(let segment) = checked.manifest.body else { throw Refusal.malformed("not a segment") }
            if let reply = try await self.alreadyStored(key, checked) { return reply }
            guard segment.ciphertextSize <= self.maxSegmentBytes else {
                throw Refusal(413, "too-large", "segment of \(segment.ciphertextSize) bytes exceeds the centre's limit of \(self.maxSegmentBytes)")
            }
            let offset = try Self.number(headers.offset ?? "0", "Edge-Offset")
            guard let lengthText = headers.contentLength else {
                throw Refusal(411, "malformed", "Content-Length is required (send the body in one piece, not chunked)")
            }
            let contentLength = try Self.number(lengthText, "Content-Length")
            let durable = try await self.io { try self.archive.partialLength(key) }
            guard offset == durable else {
                throw Refusal(416, "offset-mismatch", "Edge-Offset \(offset), but \(durable) bytes are durable: resume from \(durable)", offset: durable)
            }
            // offset ≤ durable ≤ size here, so the subtraction cannot overflow; an addition
            // of two request numbers could (Content-Length near Int64.max).
            guard contentLength <= segment.ciphertextSize - offset else {
                throw Refusal.malformed(
                    "Content-Length \(contentLength) from Edge-Offset \(offset) runs past the ciphertext size \(segment.ciphertextSize): send at most \(segment.ciphertextSize - offset) bytes")
            }
            await beforeBody()
            let length = try await self.receive(key, body: body, limit: contentLength, close: close)
            guard length == segment.ciphertextSize else {
                self.log("event=partial \(Self.fields(key)) offset=\(length) of=\(segment.ciphertextSize)")
                return Reply(status: 308, offset: length)
            }
            let digest = try await self.io { try self.archive.partialDigest(key) }
            guard digest.sha256 == segment.ciphertextSHA256 else {
                try await self.io { try self.archive.discardPartial(key) }
                throw Refusal(422, "ciphertext-mismatch", "the received bytes do not match the manifest's SHA-256; discarded: send again from offset 0")
            }
            try await self.io { try self.checkChain(key, checked) }
            try await self.io { try self.archive.completeSegment(key, manifest: checked) }
            self.metrics.update {
                $0.segmentsStored += 1
                $0.bytesStored += segment.ciphertextSize
            }
            self.log("event=stored kind=segment \(Self.fields(key)) bytes=\(segment.ciphertextSize) sha256=\(Hex.encode(segment.ciphertextSHA256))")
            return .accepted("stored", key, sha256: checked.sha256)
        }
    }

    // MARK: PUT /v1/gaps/{camera}/{sequence}

    /// The largest gap manifest accepted (they are a few hundred bytes).
    public static let maxGapBytes = 64 * 1024

    /// The sender is known before a byte of the body is read: the gateway's key is looked
    /// up and the signature header decoded first, and a declared length over the limit is
    /// refused unread.
    public func putGap<Body: AsyncSequence>(
        _ key: SegmentKey, signature: String?, contentLength: String? = nil, body: Body,
        close: @escaping CloseConnection = {}
    ) async -> Reply
    where Body.Element == ByteBuffer {
        await answering(key, event: "gap", close: close) {
            let publicKey = try await self.io { try self.keys.key(for: key.gateway) }
            let signature = try Self.base64(signature, "Edge-Signature")
            if let contentLength {
                let declared = try Self.number(contentLength, "Content-Length")
                guard declared <= Self.maxGapBytes else {
                    throw Refusal(413, "too-large", "a gap manifest is at most \(Self.maxGapBytes) bytes; this one says \(declared)")
                }
            }
            var json: [UInt8] = []
            for try await buffer in body {
                guard json.count + buffer.readableBytes <= Self.maxGapBytes else {
                    throw Refusal(413, "too-large", "a gap manifest is at most \(Self.maxGapBytes) bytes")
                }
                json += buffer.readableBytesView
            }
            let checked = try ManifestCheck.check(
                json: json, signatureText: String(decoding: signature, as: UTF8.self), key: key, kind: "gap",
                publicKey: publicKey)
            if let reply = try await self.alreadyStored(key, checked) { return reply }
            try await self.io { try self.checkChain(key, checked) }
            try await self.io { try self.archive.storeGap(key, manifest: checked) }
            self.metrics.update { $0.gapsStored += 1 }
            self.log("event=stored kind=gap \(Self.fields(key))")
            return .accepted("stored", key, sha256: checked.sha256)
        }
    }

    // MARK: Steps

    /// Runs one request under the key's lock, turning refusals and faults into replies.
    /// A second request for a key closes the first one's connection and is asked to come
    /// back (503, Retry-After 1): by then the first has kept what it received and let go.
    func answering(
        _ key: SegmentKey, event: String, close: @escaping CloseConnection, _ work: () async throws -> Reply
    ) async -> Reply {
        let older: CloseConnection? = busy.withLock { busy in
            if let older = busy[key] { return older }
            busy[key] = close
            return nil
        }
        if let older {
            log("event=superseded \(Self.fields(key)) detail=\"a newer request arrived; closing the older connection\"")
            older()
            return refuse(key, Refusal(503, "busy", "an older request for \(key) was still open and is being closed: retry in a second"))
        }
        defer { _ = busy.withLock { $0.removeValue(forKey: key) } }
        do {
            return try await work()
        } catch let refusal as Refusal {
            return refuse(key, refusal)
        } catch {
            log("event=fault \(Self.fields(key)) request=\(event) error=\(LogField.quoted("\(error)"))")
            return .refused(Refusal(500, "fault", "the centre could not store this: \(error)"))
        }
    }

    func refuse(_ key: SegmentKey, _ refusal: Refusal) -> Reply {
        metrics.update {
            if refusal.status == 409 { $0.conflicts += 1 } else { $0.rejected[refusal.reason, default: 0] += 1 }
        }
        let event = refusal.status == 409 ? "conflict" : "refused"
        log("event=\(event) \(Self.fields(key)) status=\(refusal.status) reason=\(refusal.reason) message=\(LogField.quoted(refusal.message))")
        return .refused(refusal)
    }

    private func checkedManifest(_ key: SegmentKey, kind: String, json: [UInt8], signature: [UInt8]) async throws -> CheckedManifest {
        let publicKey = try await io { try self.keys.key(for: key.gateway) }
        return try ManifestCheck.check(
            json: json, signatureText: String(decoding: signature, as: UTF8.self), key: key, kind: kind, publicKey: publicKey)
    }

    /// `200 duplicate` when the same manifest is stored; `409` when another one is.
    private func alreadyStored(_ key: SegmentKey, _ checked: CheckedManifest) async throws -> Reply? {
        guard let stored = try await io({ try self.archive.stored(key) }) else { return nil }
        guard stored.sha256 == checked.sha256 else {
            throw Refusal(
                409, "conflict",
                "sequence \(key.sequence) of \(key.camera) is already stored with manifest SHA-256 \(Hex.encode(stored.sha256)), this one is \(Hex.encode(checked.sha256)): evidence conflict, not stored")
        }
        metrics.update { $0.duplicates += 1 }
        log("event=duplicate \(Self.fields(key))")
        return .accepted("duplicate", key, sha256: checked.sha256)
    }

    /// Appends the body to the partial upload, in batches, and fsyncs what arrived — also
    /// when the body stops early (a cut connection), so a retry resumes from there.
    private func receive<Body: AsyncSequence>(
        _ key: SegmentKey, body: Body, limit: Int64, close: @escaping CloseConnection
    ) async throws -> Int64
    where Body.Element == ByteBuffer {
        let partial = try await io { try self.archive.openPartial(key) }
        let watch = StallWatch(timeout: bodyStallTimeout) { [log] in
            log("event=stalled \(Self.fields(key)) detail=\"no body byte for \(self.bodyStallTimeout); closing the connection\"")
            close()
        }
        defer { watch.finish() }
        let start = partial.length
        var pending = ByteBuffer()
        var received: Int64 = 0
        func flush() async throws {
            guard pending.readableBytes > 0 else { return }
            let batch = pending
            pending.clear()
            try await io { try batch.withUnsafeReadableBytes { try partial.append($0) } }
        }
        var failure: (any Error)?
        do {
            for try await buffer in body {
                received += Int64(buffer.readableBytes)
                watch.progressed()
                guard received <= limit else { throw Refusal.malformed("body longer than its Content-Length") }
                pending.writeImmutableBuffer(buffer)
                if pending.readableBytes >= Self.writeBatch { try await flush() }
            }
        } catch {
            failure = error
        }
        // The body is done: flushing and fsync are not a stalled peer.
        watch.finish()
        try await flush()
        try await io {
            try partial.sync()
            try partial.close()
        }
        metrics.update { $0.bytesReceived += partial.length - start }
        if let failure {
            log("event=cut \(Self.fields(key)) offset=\(partial.length) error=\(LogField.quoted("\(failure)"))")
            throw failure
        }
        return partial.length
    }

    /// Links follow the order of sealing (MANIFEST.md): normally N names N−1. When the
    /// stored neighbour says otherwise, the link may still name another stored manifest (a
    /// hole the gateway filled late: a notice); naming none is a chain break — logged and
    /// counted, and stored all the same: `edge-centre verify` judges the whole chain.
    private func checkChain(_ key: SegmentKey, _ checked: CheckedManifest) throws {
        func neighbour(_ sequence: UInt64) throws -> CheckedManifest? {
            try archive.stored(SegmentKey(gateway: key.gateway, camera: key.camera, sequence: sequence))
        }
        if key.sequence > 1, let before = try neighbour(key.sequence - 1), checked.manifest.previous != before.sha256 {
            try judgeLink(key, checked.manifest.previous, "previous does not name stored manifest \(key.sequence - 1)")
        }
        if key.sequence < .max, let after = try neighbour(key.sequence + 1), after.manifest.previous != checked.sha256 {
            try judgeLink(
                SegmentKey(gateway: key.gateway, camera: key.camera, sequence: key.sequence + 1), after.manifest.previous,
                "stored manifest \(key.sequence + 1) does not name \(key.sequence) as previous")
        }
    }

    private func judgeLink(_ key: SegmentKey, _ previous: [UInt8]?, _ why: String) throws {
        if let previous, try archive.containsManifest(key, sha256: previous) {
            log("event=sealed-late \(Self.fields(key)) detail=\(LogField.quoted("\(why); it links to another stored manifest"))")
        } else {
            chainBreak(key, why)
        }
    }

    private func chainBreak(_ key: SegmentKey, _ why: String) {
        metrics.update { $0.chainBreaks += 1 }
        log("event=chain-break \(Self.fields(key)) detail=\(LogField.quoted(why))")
    }

    /// Blocking file work, on NIO's thread pool rather than the cooperative pool.
    func io<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    static func fields(_ key: SegmentKey) -> String {
        "gateway=\(LogField.value(key.gateway)) camera=\(LogField.value(key.camera)) sequence=\(key.sequence)"
    }

    static func base64(_ value: String?, _ header: String) throws(Refusal) -> [UInt8] {
        guard let value else { throw .malformed("\(header) header is missing") }
        guard let bytes = Base64.decode(value.utf8, padded: true) else {
            throw .malformed("\(header) is not canonical base64 (RFC 4648, padded, no spaces)")
        }
        return bytes
    }

    static func number(_ text: String, _ header: String) throws(Refusal) -> Int64 {
        guard let n = Int64(plainDecimal: text) else {
            throw .malformed("\(header) \"\(text.prefix(40))\" is not a whole number 0…\(Int64.max) in plain digits")
        }
        return n
    }
}
