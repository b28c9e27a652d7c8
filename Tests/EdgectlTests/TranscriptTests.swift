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
///     | y                                                  a line typed (standard input)
///     + config.json {"gateway": "site-042"}                a file in $DIR before the run
///
/// `$DIR` stands for the run's scratch directory, in the command and in what it prints.
/// An answer whose body starts `jpeg:` is sent as image/jpeg, the rest as its bytes.
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
        var stdin: [UInt8] = []
        var files: [(name: String, text: String)] = []

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
                    let body = parts.count > 3 ? parts[3] : ""
                    answers["\(parts[0]) \(parts[1])"] = body.hasPrefix("jpeg:")
                        ? ControlResponse(status: code, contentType: "image/jpeg", body: Array(body.dropFirst(5).utf8))
                        : ControlResponse(status: code, contentType: "application/json", body: Array(body.utf8) + [10])
                } else if line.hasPrefix("| ") || line == "|" {
                    stdin += Array(line.dropFirst(2).utf8) + [10]
                } else if line.hasPrefix("+ ") {
                    let parts = line.dropFirst(2).split(separator: " ", maxSplits: 1).map(String.init)
                    guard parts.count == 2 else { throw TranscriptError("bad file line: \(line)") }
                    files.append((parts[0], parts[1]))
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
        for file in t.files { try Fixtures.write(Array((file.text + "\n").utf8), to: "\(dir)/\(file.name)") }
        let talksToDaemon = !t.answers.isEmpty || !t.streams.isEmpty
        let socket = talksToDaemon ? ["--socket", "\(dir)/control.sock"] : ["--socket", "\(dir)/no-daemon.sock"]
        let arguments = t.arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir) }
        let result = try Tool.run(Self.edgectl, arguments + socket, stdin: t.stdin)
        var stdout = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: dir, with: "$DIR")
        }
        while stdout.last == "" { stdout.removeLast() }
        let stderr = result.stderr.split(separator: "\n").map {
            $0.replacingOccurrences(of: "\(dir)/no-daemon.sock", with: "SOCKET").replacingOccurrences(of: dir, with: "$DIR")
        }
        #expect(stdout == t.stdout, "\(name): standard output")
        #expect(stderr == t.stderr, "\(name): standard error")
        #expect(result.status == t.status, "\(name): exit status")
        if !t.arguments.contains("--json") {
            for line in stdout { #expect(line.count <= 80, "\(name): over 80 columns: \(line)") }
        }
    }
}
