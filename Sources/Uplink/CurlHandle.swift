internal import CCurl
import EdgeSystem

/// libcurl's process-wide set-up, done once before the first handle (it is not
/// thread-safe, and Swift runs a `static let` initialiser exactly once).
enum CurlLibrary {
    static let ready: Bool = curl_global_init(edge_CURL_GLOBAL_DEFAULT) == CURLE_OK
}

/// One `CURL *` easy handle with exactly one owner, freed in `deinit`. It keeps its
/// connection (and TLS session) open between requests, which matters on 4G.
/// Used from one thread at a time, as libcurl requires.
final class CurlHandle {
    let raw: UnsafeMutableRawPointer
    /// libcurl writes the detail of its last failure here (`CURLOPT_ERRORBUFFER`).
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Strings handed to libcurl stay alive until the next reset; libcurl copies most of
    /// them, but not all (and not in every version).
    private var kept: [UnsafeMutablePointer<CChar>] = []

    init() throws(UplinkError) {
        guard CurlLibrary.ready, let raw = curl_easy_init() else {
            throw UplinkError(.configuration, "libcurl could not be initialised (curl_global_init/curl_easy_init)")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(edge_CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(edge_CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
        for s in kept { free(s) }
    }

    /// Forgets every option of the last request, keeping the connection cache.
    func reset() throws(UplinkError) {
        curl_easy_reset(raw)
        for s in kept { free(s) }
        kept.removeAll()
        errorBuffer[0] = 0
        try check(edge_curl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    var errorDetail: String { String(cString: errorBuffer) }

    func check(_ result: CURLcode, _ what: String) throws(UplinkError) {
        guard result == CURLE_OK else { throw UplinkError.curl(result, detail: errorDetail, during: what) }
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws(UplinkError) {
        try check(edge_curl_setopt_long(raw, option, value), name)
    }

    func set(_ option: CURLoption, offset value: Int64, _ name: String) throws(UplinkError) {
        try check(edge_curl_setopt_off(raw, option, curl_off_t(value)), name)
    }

    /// A string option; nil sets NULL (turns a default off, as for `CURLOPT_CAPATH`).
    func set(_ option: CURLoption, _ value: String?, _ name: String) throws(UplinkError) {
        guard let value else {
            try check(edge_curl_setopt_string(raw, option, nil), name)
            return
        }
        guard let copy = strdup(value) else { throw UplinkError(.configuration, "out of memory setting \(name)") }
        kept.append(copy)
        try check(edge_curl_setopt_string(raw, option, copy), name)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?, _ name: String) throws(UplinkError) {
        try check(edge_curl_setopt_pointer(raw, option, pointer), name)
    }

    func set(_ option: CURLoption, callback: edge_curl_data_callback, _ name: String) throws(UplinkError) {
        try check(edge_curl_setopt_data_callback(raw, option, callback), name)
    }

    func set(xferinfo callback: edge_curl_xferinfo_callback) throws(UplinkError) {
        try check(edge_curl_setopt_xferinfo_callback(raw, callback), "CURLOPT_XFERINFOFUNCTION")
    }

    func set(headers: CurlHeaderList) throws(UplinkError) {
        try check(edge_curl_setopt_slist(raw, CURLOPT_HTTPHEADER, headers.raw), "CURLOPT_HTTPHEADER")
    }

    /// Runs the request; blocks this thread until it ends.
    func perform(_ what: String) throws(UplinkError) {
        try check(curl_easy_perform(raw), what)
    }

    /// A time from `curl_easy_getinfo` in microseconds (0 when not reached).
    func info(_ what: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = edge_curl_getinfo_off(raw, what, &value)
        return Int64(value)
    }

    var responseCode: Int {
        var code = 0
        _ = edge_curl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code)
        return code
    }
}

/// A `curl_slist` of request headers with one owner; it must outlive the request.
final class CurlHeaderList {
    private(set) var raw: UnsafeMutablePointer<curl_slist>?

    init(_ headers: [(String, String)]) throws(UplinkError) {
        for (name, value) in headers {
            guard let next = curl_slist_append(raw, "\(name): \(value)") else {
                throw UplinkError(.configuration, "out of memory building request headers")
            }
            raw = next
        }
    }

    deinit { curl_slist_free_all(raw) }
}
