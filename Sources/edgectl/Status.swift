import ArgumentParser
import ControlClient
import EdgeJSON
import RecorderConfig

/// `--socket PATH`, shared by every command that talks to the daemon.
struct SocketOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's control socket.", valueName: "PATH"))
    var socket: String = ControlConfiguration.defaultSocket

    /// GETs `path` and returns the JSON, or exits 1 with the daemon's (or the transport's)
    /// error on standard error.
    func get(_ path: String) throws -> (raw: [UInt8], json: JSONValue) {
        try call { () throws(ControlClientError) in try ControlClient(socketPath: socket).get(path) }
    }

    /// `timeout`: seconds to wait for the answer (an uplink test waits out slow networks).
    func post(_ path: String, _ body: JSONValue, timeout: Int = 30) throws -> (raw: [UInt8], json: JSONValue) {
        try call { () throws(ControlClientError) in
            try ControlClient(socketPath: socket, timeoutSeconds: timeout).post(path, json: CanonicalJSON.encode(body))
        }
    }

    /// POSTs `body` as it is (a config file) and returns the JSON; a refusal is printed
    /// with every problem the daemon listed, and exits 1.
    func postRaw(_ path: String, _ body: [UInt8]) throws -> (raw: [UInt8], json: JSONValue) {
        try call { () throws(ControlClientError) in
            try ControlClient(socketPath: socket, timeoutSeconds: 180).post(path, json: body)
        }
    }

    /// GETs `path` and returns the body as it is (a picture), or exits 1 with the error.
    func getBytes(_ path: String) throws -> (bytes: [UInt8], contentType: String?) {
        let response: ControlClient.Response
        do { response = try ControlClient(socketPath: socket).get(path) } catch {
            printError(error.description)
            throw ExitCode(Edgectl.daemonUnreachable)
        }
        guard response.status == 200 else {
            if case .string(let message)? = (try? JSONParser.parse(response.body))?["error"] {
                printError(message)
            } else {
                printError("edge-recorderd answered \(response.status)")
            }
            throw ExitCode(1)
        }
        return (response.body, response.header("content-type"))
    }

    private func call(_ request: () throws(ControlClientError) -> ControlClient.Response) throws -> (raw: [UInt8], json: JSONValue) {
        let response: ControlClient.Response
        do { response = try request() } catch {
            printError(error.description)
            throw ExitCode(Edgectl.daemonUnreachable)
        }
        let json = try? JSONParser.parse(response.body)
        guard response.status == 200, let json else {
            if case .string(let message)? = json?["error"] {
                printError(message)
                // The problems are in the message already when it is a validator's.
                for problem in json?["problems"]?.arrayValue ?? [] where !message.contains(problem.textValue ?? "") {
                    printError("  " + (problem.textValue ?? ""))
                }
            } else {
                printError("edge-recorderd answered \(response.status): \(response.text.prefix(200))")
            }
            throw ExitCode(1)
        }
        return (response.body, json)
    }
}

extension Edgectl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The gateway at a glance: cameras, ring, uplink, clock.",
            discussion: "Exit status: 0 all cameras streaming, 1 a camera is not streaming, 69 the daemon is unreachable.")

        @OptionGroup var connection: SocketOption

        @Flag(name: .long, help: "Print the daemon's JSON instead of text.")
        var json = false

        func run() throws {
            let (raw, status) = try connection.get("/v1/status")
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
            } else {
                print(StatusText.render(status, style: .forStandardOutput()), terminator: "")
            }
            let cameras = status["cameras"]?.arrayValue ?? []
            if cameras.contains(where: { $0["state"] != .string("streaming") }) { throw ExitCode(1) }
        }
    }
}
