import ControlSocket
import EdgeSystem
import Foundation
import Testing
import TestSupport

/// edgectl as a technician sees it: each file in Transcripts/ is one command with the
/// daemon's answers it gets, and exactly what it must print and exit with.
///
///     # what this shows
///     < GET /v1/status 200 {"gateway": "site-042", …}     the daemon's answer (one line)
///     $ edgectl status                                     the command (--socket is added)
///     gateway site-042  firmware 0.1.0  up 2 h 5 min       expected standard output …
///     ! edge-recorderd answered …                          … and standard error
///     ? 1                                                  expected exit status
@Suite(.serialized) struct TranscriptTests {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Transcripts").path
    }()

    static var transcripts: [String] {
        ((try? FileSystem.list(directory)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    struct Transcript {
        var answers: [String: ControlResponse] = [:]
        /// Streamed answers: `<< GET /v1/events {json}`, one line each.
        var streams: [String: [String]] = [:]
        var arguments: [String] = []
        var stdout: [String] = []
        var stderr: [String] = []
        var status: Int32 = 0

        init(_ text: String) throws {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("#") { continue }
                if line.hasPrefix("<< ") {
                    let parts = line.dropFirst(3).split(separator: " ", maxSplits: 2).map(String.init)
                    guard parts.count == 3 else { throw TranscriptError("bad stream line: \(line)") }
                    streams["\(parts[0]) \(parts[1])", default: []].append(parts[2])
                } else if line.hasPrefix("< ") {
                    let parts = line.dropFirst(2).split(separator: " ", maxSplits: 3).map(String.init)
                    guard parts.count >= 3, let code = Int(parts[2]) else { throw TranscriptError("bad answer line: \(line)") }
                    answers["\(parts[0]) \(parts[1])"] = ControlResponse(
                        status: code, contentType: "application/json", body: Array((parts.count > 3 ? parts[3] : "").utf8) + [10])
                } else if line.hasPrefix("$ edgectl") {
                    arguments = line.dropFirst("$ edgectl".count).split(separator: " ").map(String.init)
                } else if line.hasPrefix("! ") {
                    stderr.append(String(line.dropFirst(2)))
                } else if line.hasPrefix("? ") {
                    status = Int32(line.dropFirst(2)) ?? -1
                } else if !arguments.isEmpty {
                    stdout.append(line)
                }
            }
            while stdout.last == "" { stdout.removeLast() }
        }
    }

    struct TranscriptError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Answers from the transcript, by method and path (query included).
    struct Canned: ControlResponder {
        let answers: [String: ControlResponse]
        let streams: [String: [String]]
        func respond(to request: ControlRequest) async -> ControlResponse {
            let query = request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            let key = "\(request.method) \(request.path)\(query.isEmpty ? "" : "?" + query)"
            if let lines = streams[key] {
                let stream = ControlStream()
                for line in lines { stream.push(Array(line.utf8) + [10]) }
                stream.finish()
                return .streaming(stream, contentType: "application/x-ndjson")
            }
            return answers[key] ?? .error(404, "the transcript has no answer for \(key)")
        }
    }

    static var edgectl: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("edgectl").path
    }

    @Test(arguments: transcripts)
    func transcript(_ name: String) throws {
        let text = String(decoding: try FileSystem.readFile("\(Self.directory)/\(name)"), as: UTF8.self)
        let t = try Transcript(text)
        let dir = try Fixtures.scratchDirectory("edgectl")
        let server = try ControlServer.start(
            .init(path: "\(dir)/control.sock", access: AccessPolicy(groupName: "edge-admin", groupID: nil)),
            responder: Canned(answers: t.answers, streams: t.streams), log: { _ in })
        defer { server.stop() }
        let talksToDaemon = !t.answers.isEmpty || !t.streams.isEmpty
        let socket = talksToDaemon ? ["--socket", "\(dir)/control.sock"] : ["--socket", "\(dir)/no-daemon.sock"]
        let result = try Tool.run(Self.edgectl, t.arguments + socket)
        var stdout = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while stdout.last == "" { stdout.removeLast() }
        let stderr = result.stderr.split(separator: "\n").map {
            $0.replacingOccurrences(of: "\(dir)/no-daemon.sock", with: "SOCKET")
        }
        #expect(stdout == t.stdout, "\(name): standard output")
        #expect(stderr == t.stderr, "\(name): standard error")
        #expect(result.status == t.status, "\(name): exit status")
        if !t.arguments.contains("--json") {
            for line in stdout { #expect(line.count <= 80, "\(name): over 80 columns: \(line)") }
        }
    }
}
