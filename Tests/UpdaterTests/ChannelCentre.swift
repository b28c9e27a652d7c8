import EdgeCrypto
import EdgeJSON
import EdgeSystem
import Foundation
import UpdateChannel

@testable import Uplink

/// The centre's side of the update channel in memory, as PROTOCOL.md has it: the desired
/// state with its ETag, release archives with `Range`, reports. It can cut a download
/// after some bytes (a 4G drop), ignore ranges, or send more than announced.
final class ChannelCentre: ChannelTransport, @unchecked Sendable {
    var desired: [UInt8]?
    var releases: [String: [UInt8]] = [:]
    var reports: [JSONValue] = []
    var requests: [(method: String, path: String, headers: [(String, String)])] = []
    /// Bytes of a release body sent per request before the connection drops (nil: all).
    var cutAfter: Int?
    var ignoreRanges = false
    var extraBytes = 0

    /// Publishes `archive` as the desired release; returns its SHA-256 (hex).
    @discardableResult
    func publish(_ archive: String, version: String, security: UInt64 = 2, announcedSHA: String? = nil) throws -> String {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: archive)))
        let hex = Hex.encode(SHA256.hash(bytes))
        releases[hex] = bytes
        let named = announcedSHA ?? hex
        desired = CanonicalJSON.encode(
            .object([
                ("pollSeconds", .integer(300)),
                (
                    "release",
                    .object([
                        ("version", .string(version)), ("securityVersion", .number(String(security))),
                        ("size", .integer(Int64(bytes.count))), ("sha256", .string(named)), ("url", .string("/v1/releases/\(named)")),
                    ])
                ),
            ]))
        if let announcedSHA { releases[announcedSHA] = bytes }
        return hex
    }

    var releaseGets: [String] { requests.filter { $0.path.hasPrefix("/v1/releases/") }.map { r in r.headers.first { $0.0 == "Range" }?.1 ?? "whole" } }

    func get(_ url: String, headers: [(String, String)], download: DownloadSink?, control: TransferControl) throws(UplinkError) -> TransportResponse {
        let path = String(url.dropFirst("https://centre.test".count))
        requests.append(("GET", path, headers))
        if path == "/v1/desired" {
            guard let desired else { return TransportResponse(status: 404, body: Array(#"{"error":"nothing"}"#.utf8)) }
            let etag = "\"\(Hex.encode(SHA256.hash(desired)))\""
            if headers.contains(where: { $0 == ("If-None-Match", etag) }) { return TransportResponse(status: 304) }
            return TransportResponse(status: 200, headers: ["etag": etag], body: desired)
        }
        guard path.hasPrefix("/v1/releases/"), let archive = releases[String(path.dropFirst(13))] else {
            return TransportResponse(status: 404)
        }
        var from = 0
        if !ignoreRanges, let range = headers.first(where: { $0.0 == "Range" })?.1 {
            from = Int(range.dropFirst(6).dropLast())!
            guard from < archive.count else { return TransportResponse(status: 416, headers: ["content-range": "bytes */\(archive.count)"]) }
        }
        let status = from > 0 ? 206 : 200
        var body = Array(archive[from...]) + [UInt8](repeating: 7, count: extraBytes)
        if let cutAfter { body = Array(body.prefix(cutAfter)) }
        if let download, download.acceptStatus == status {
            let accepted = body.withUnsafeBytes { download.take($0) }
            if !accepted { throw download.failure! }
        }
        if cutAfter != nil, from + body.count < archive.count {
            throw UplinkError(.network, "connection reset (test)")
        }
        var responseHeaders: [String: String] = [:]
        if status == 206 { responseHeaders["content-range"] = "bytes \(from)-\(archive.count - 1)/\(archive.count)" }
        return TransportResponse(status: status, headers: responseHeaders)
    }

    func put(_ url: String, headers: [(String, String)], body: UploadBody, control: TransferControl) throws(UplinkError) -> TransportResponse {
        let path = String(url.dropFirst("https://centre.test".count))
        requests.append(("PUT", path, headers))
        if case .bytes(let bytes) = body, let report = try? JSONParser.parse(bytes) { reports.append(report) }
        return TransportResponse(status: 200, body: Array(#"{"status":"stored"}"#.utf8))
    }
}
