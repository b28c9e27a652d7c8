internal import CCurl
import EdgeSystem

/// The `Transport` over libcurl: HTTP/1.1 over TLS 1.2+, the centre verified against the
/// configured CA only (optionally pinned), our client certificate presented. Proxies
/// come from libcurl's standard environment (`https_proxy`, `no_proxy`). Bodies stream
/// from the file at the offset through `CURLOPT_READFUNCTION`, so memory stays flat
/// whatever the segment's size. One per worker thread; the handle keeps its connection.
public final class CurlTransport: Transport {
    private let handle: CurlHandle
    private let tls: UplinkTLS
    private let connectSeconds: Int
    private let stallSeconds: Int

    public init(tls: UplinkTLS, connectSeconds: Int = 30, stallSeconds: Int = 60) throws(UplinkError) {
        handle = try CurlHandle()
        self.tls = tls
        self.connectSeconds = connectSeconds
        self.stallSeconds = stallSeconds
    }

    public convenience init(destination: UplinkDestination) throws(UplinkError) {
        try self.init(tls: destination.tls, connectSeconds: destination.connectSeconds, stallSeconds: destination.stallSeconds)
    }

    public func head(_ url: String, headers: [(String, String)], control: TransferControl) throws(UplinkError) -> TransportResponse {
        try perform("HEAD", url, headers, body: nil, control)
    }

    public func put(_ url: String, headers: [(String, String)], body: UploadBody, control: TransferControl) throws(UplinkError) -> TransportResponse {
        try perform("PUT", url, headers, body: body, control)
    }

    /// A GET. With `download`, a 2xx answer's body goes to its file (an error's stays in
    /// the response's `body`); otherwise the body is kept in memory, cut at `bodyLimit`.
    public func get(_ url: String, headers: [(String, String)], download: DownloadSink? = nil, control: TransferControl) throws(UplinkError) -> TransportResponse {
        try perform("GET", url, headers, body: nil, control, get: true, download: download)
    }

    /// A GET, and how far it got: microseconds until the TCP connection and until the TLS
    /// handshake were done (0: not reached).
    /// The whole request is bounded by `connectSeconds` + 10 s.
    public func probe(_ url: String) -> (result: Result<TransportResponse, UplinkError>, connectMicros: Int64, tlsMicros: Int64) {
        let result: Result<TransportResponse, UplinkError>
        do { result = .success(try perform("GET", url, [], body: nil, TransferControl(), get: true, timeout: connectSeconds + 10)) } catch {
            result = .failure(error)
        }
        return (result, handle.info(CURLINFO_CONNECT_TIME_T), handle.info(CURLINFO_APPCONNECT_TIME_T))
    }

    private func perform(
        _ method: String, _ url: String, _ headers: [(String, String)], body: UploadBody?, _ control: TransferControl,
        get: Bool = false, timeout: Int? = nil, download: DownloadSink? = nil
    ) throws(UplinkError) -> TransportResponse {
        let h = handle
        try h.reset()
        try h.set(CURLOPT_URL, url, "CURLOPT_URL")
        try h.set(CURLOPT_PROTOCOLS_STR, "https", "CURLOPT_PROTOCOLS_STR")
        try h.set(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try h.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1), "CURLOPT_HTTP_VERSION")
        try h.set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2), "CURLOPT_SSLVERSION")
        if tls.caFile.isEmpty {
            // Enrolment: no CA yet; the centre's key pin alone authenticates it.
            guard let pin = tls.pinnedKey, pin.hasPrefix("sha256//") else {
                throw UplinkError(.tls, "no CA file and no sha256// key pin: nothing to check the centre with")
            }
            try h.set(CURLOPT_SSL_VERIFYPEER, 0, "CURLOPT_SSL_VERIFYPEER")
            try h.set(CURLOPT_SSL_VERIFYHOST, 0, "CURLOPT_SSL_VERIFYHOST")
        } else {
            try h.set(CURLOPT_SSL_VERIFYPEER, 1, "CURLOPT_SSL_VERIFYPEER")
            try h.set(CURLOPT_SSL_VERIFYHOST, 2, "CURLOPT_SSL_VERIFYHOST")
            try h.set(CURLOPT_CAINFO, tls.caFile, "CURLOPT_CAINFO")
        }
        // Only the configured CA: not the system's store as well.
        try h.set(CURLOPT_CAPATH, nil, "CURLOPT_CAPATH")
        if !tls.certFile.isEmpty {
            try h.set(CURLOPT_SSLCERT, tls.certFile, "CURLOPT_SSLCERT")
            try h.set(CURLOPT_SSLCERTTYPE, "PEM", "CURLOPT_SSLCERTTYPE")
            try h.set(CURLOPT_SSLKEY, tls.keyFile, "CURLOPT_SSLKEY")
        }
        if let pin = tls.pinnedKey { try h.set(CURLOPT_PINNEDPUBLICKEY, pin, "CURLOPT_PINNEDPUBLICKEY") }
        try h.set(CURLOPT_CONNECTTIMEOUT, connectSeconds, "CURLOPT_CONNECTTIMEOUT")
        // A 4G link that stalls is cut and resumed later rather than waited on forever.
        try h.set(CURLOPT_LOW_SPEED_LIMIT, 1, "CURLOPT_LOW_SPEED_LIMIT")
        try h.set(CURLOPT_LOW_SPEED_TIME, stallSeconds, "CURLOPT_LOW_SPEED_TIME")
        try h.set(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
        if let timeout { try h.set(CURLOPT_TIMEOUT, timeout, "CURLOPT_TIMEOUT") }

        let context = TransferContext(control: control)
        context.download = download
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        try h.set(CURLOPT_NOPROGRESS, 0, "CURLOPT_NOPROGRESS")
        try h.set(xferinfo: curlProgress)
        try h.set(CURLOPT_XFERINFODATA, pointer: opaque, "CURLOPT_XFERINFODATA")
        try h.set(CURLOPT_HEADERFUNCTION, callback: curlHeader, "CURLOPT_HEADERFUNCTION")
        try h.set(CURLOPT_HEADERDATA, pointer: opaque, "CURLOPT_HEADERDATA")
        try h.set(CURLOPT_WRITEFUNCTION, callback: curlWrite, "CURLOPT_WRITEFUNCTION")
        try h.set(CURLOPT_WRITEDATA, pointer: opaque, "CURLOPT_WRITEDATA")
        let list = try CurlHeaderList(headers)
        try h.set(headers: list)

        switch body {
        case nil where get:
            try h.set(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case nil:
            try h.set(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        case .bytes(let bytes)?:
            context.memory = bytes
            try upload(length: Int64(bytes.count), context, opaque)
        case .file(let path, let offset, let length)?:
            do {
                context.file = try FileDescriptor.open(path, O_RDONLY)
            } catch { throw UplinkError(.storage, "cannot open \(path): \(error)", cause: error) }
            context.position = offset
            try upload(length: length, context, opaque)
        }
        context.remaining = body?.length ?? 0

        let result = withExtendedLifetime((context, list)) { curl_easy_perform(h.raw) }
        try? context.file?.close()
        if let failure = context.readFailure ?? download?.failure { throw failure }
        guard result == CURLE_OK else {
            throw UplinkError.curl(result, detail: h.errorDetail, during: "\(method) \(url)")
        }
        return TransportResponse(status: h.responseCode, headers: context.headers, body: context.body)
    }

    private func upload(length: Int64, _ context: TransferContext, _ opaque: UnsafeMutableRawPointer) throws(UplinkError) {
        try handle.set(CURLOPT_UPLOAD, 1, "CURLOPT_UPLOAD")
        try handle.set(CURLOPT_INFILESIZE_LARGE, offset: length, "CURLOPT_INFILESIZE_LARGE")
        try handle.set(CURLOPT_UPLOAD_BUFFERSIZE, TransferContext.chunk, "CURLOPT_UPLOAD_BUFFERSIZE")
        try handle.set(CURLOPT_READFUNCTION, callback: curlRead, "CURLOPT_READFUNCTION")
        try handle.set(CURLOPT_READDATA, pointer: opaque, "CURLOPT_READDATA")
        if let rate = context.control.rateBytesPerSecond {
            // Each pacing wait then stays near a second, far below the stall timeout.
            context.chunkLimit = Int(max(1024, min(Int64(TransferContext.chunk), rate)))
        }
    }
}

/// What the C callbacks of one request read and fill, reached through `Unmanaged`.
final class TransferContext {
    static let chunk = 64 << 10
    let control: TransferControl
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var file: FileDescriptor?
    var memory: [UInt8] = []
    var position: Int64 = 0
    var remaining: Int64 = 0
    var chunkLimit = TransferContext.chunk
    var readFailure: UplinkError?
    var download: DownloadSink?
    /// The status of the response being received (from its status line).
    var status = 0

    init(control: TransferControl) { self.control = control }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let n = Int(min(Int64(min(capacity, chunkLimit)), remaining))
        guard n > 0 else { return 0 }
        guard !control.shouldStop(), control.pace(n) else { return Int(edge_CURL_READFUNC_ABORT) }
        var got = 0
        if let file {
            while true {
                got = pread(file.rawValue, buffer, n, off_t(position))
                if got == -1 && errno == EINTR { continue }
                break
            }
            if got <= 0 {
                readFailure = got == 0
                    ? UplinkError(.storage, "\(file.subject) ended at byte \(position), before the size in its manifest")
                    : UplinkError(.storage, "\(SystemError(code: errno, call: "pread", subject: file.subject))", cause: SystemError(code: errno, call: "pread", subject: file.subject))
                return Int(edge_CURL_READFUNC_ABORT)
            }
        } else {
            memory.withUnsafeBytes { src in
                UnsafeMutableRawPointer(buffer).copyMemory(from: src.baseAddress! + Int(position), byteCount: n)
            }
            got = n
        }
        position += Int64(got)
        remaining -= Int64(got)
        return got
    }

    func header(_ line: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            // A new response (after `100 Continue`, or a proxy's CONNECT answer).
            headers = [:]
            status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        headers[String(text[..<colon]).trimmingSpaces.lowercased()] = String(text[text.index(after: colon)...]).trimmingSpaces
    }
}

private let curlRead: edge_curl_data_callback = { buffer, size, count, context in
    let c = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
    return c.read(into: buffer!, capacity: size * count)
}

private let curlHeader: edge_curl_data_callback = { buffer, size, count, context in
    let c = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
    c.header(UnsafeBufferPointer(start: UnsafeRawPointer(buffer!).assumingMemoryBound(to: UInt8.self), count: size * count))
    return size * count
}

private let curlWrite: edge_curl_data_callback = { buffer, size, count, context in
    let c = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
    if let download = c.download, c.status == download.acceptStatus {
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(buffer!), count: size * count)
        return download.take(bytes) ? size * count : 0  // 0 aborts the transfer
    }
    let room = max(0, TransportResponse.bodyLimit - c.body.count)
    c.body.append(contentsOf: UnsafeBufferPointer(start: UnsafeRawPointer(buffer!).assumingMemoryBound(to: UInt8.self), count: min(room, size * count)))
    return size * count
}

private let curlProgress: edge_curl_xferinfo_callback = { context, _, _, _, uploaded in
    let c = Unmanaged<TransferContext>.fromOpaque(context!).takeUnretainedValue()
    c.control.progress(Int64(uploaded))
    return c.control.shouldStop() ? 1 : 0
}

/// Where a download goes: written to `file` at its offset when the answer's status is
/// `acceptStatus` (206 for a resumed download: a 200 would be the whole file again, and an
/// error's JSON stays in the response's `body`), at most `limit` bytes in all — one more
/// aborts the transfer (a centre cannot make a gateway fill its card) — each write
/// checked (a full card aborts it too).
public final class DownloadSink {
    public let file: FileDescriptor
    public let limit: Int64
    public let acceptStatus: Int
    public private(set) var written: Int64 = 0
    public private(set) var failure: UplinkError?

    public init(file: FileDescriptor, limit: Int64, acceptStatus: Int) {
        self.file = file
        self.limit = limit
        self.acceptStatus = acceptStatus
    }

    func take(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard written + Int64(bytes.count) <= limit else {
            failure = UplinkError(.protocolViolation, "the download passed its announced size (\(limit) bytes)")
            return false
        }
        do { try file.writeAll(bytes) } catch {
            failure = UplinkError(.storage, "cannot write the download: \(error)", cause: error)
            return false
        }
        written += Int64(bytes.count)
        return true
    }
}
