import Foundation

/// Runs the tools the world will read our files with (ffmpeg, ffprobe, mkvinfo, age…).
public enum Tool {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Whether `name` is on PATH.
    public static func available(_ name: String) -> Bool {
        (try? run("/bin/sh", ["-c", "command -v \(name)"]).status) == 0
    }

    /// Runs `executable` (a path, or a name looked up on PATH) with posix_spawn; stdout and
    /// stderr go to temporary files, so no pipe can fill up and no read is interrupted.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil) throws -> Output {
        let dir = NSTemporaryDirectory() + "edge-tool-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inPath = dir + "/in", outPath = dir + "/out", errPath = dir + "/err"
        try Data(stdin ?? []).write(to: URL(fileURLWithPath: inPath))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ToolError(message: "cannot run \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7F == 0
        let code = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let read = { (p: String) in String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: p))) ?? Data(), as: UTF8.self) }
        return Output(status: code, stdout: read(outPath), stderr: read(errPath))
    }

    public struct ToolError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// What `ffmpeg -v error -i FILE -f null -` prints: nothing for a clean file.
    public static func ffmpegErrors(_ file: String) throws -> String {
        let r = try run("ffmpeg", ["-nostdin", "-v", "error", "-i", file, "-f", "null", "-"])
        return r.stderr + (r.status == 0 ? "" : "exit \(r.status)")
    }

    /// Packets as ffprobe reads them: presentation time (s), duration (s), keyframe flag.
    public static func packets(_ file: String) throws -> [(pts: Double, duration: Double, key: Bool)] {
        let r = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,duration_time,flags", "-of", "csv=p=0", file])
        return r.stdout.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 3, let pts = Double(f[0]) else { return nil }
            return (pts, Double(f[1]) ?? 0, f[2].contains("K"))
        }
    }

    /// `ffprobe -count_frames`: frames decoded, width, height.
    public static func probe(_ file: String) throws -> (frames: Int, width: Int, height: Int, codec: String) {
        let r = try run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width,height,codec_name", "-of", "default=nw=1", file])
        var values: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
        }
        return (Int(values["nb_read_frames"] ?? "") ?? -1, Int(values["width"] ?? "") ?? -1, Int(values["height"] ?? "") ?? -1, values["codec_name"] ?? "")
    }
}
