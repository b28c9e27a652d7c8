import EdgeSystem

/// The regression runner each fuzz target becomes in a normal (non-fuzzing) build: runs
/// the target's test function over every file named on the command line, and every file
/// in every directory named there, so the corpora and the crash inputs found and fixed
/// are replayed without libFuzzer. A broken property stops it like a crash would.
public enum Replay {
    public static func run(_ name: String, _ test: (UnsafePointer<UInt8>, Int) -> CInt) -> Never {
        let arguments = CommandLine.arguments.dropFirst()
        guard !arguments.isEmpty, !arguments.contains(where: { $0 == "-h" || $0 == "--help" }) else {
            print("usage: \(name) FILE|DIRECTORY...   runs the fuzz test over each input (a regression run)")
            exit(arguments.isEmpty ? 64 : 0)
        }
        var count = 0
        for argument in arguments {
            for path in inputs(argument) {
                let bytes: [UInt8]
                do { bytes = try FileSystem.readFile(path, limit: 64 << 20) } catch {
                    print("\(name): cannot read \(path): \(error)")
                    exit(66)
                }
                // An empty array may have no address; libFuzzer always passes one.
                let padded = bytes.isEmpty ? [0] : bytes
                _ = padded.withUnsafeBufferPointer { test($0.baseAddress!, bytes.count) }
                count += 1
            }
        }
        print("\(name): \(count) input(s) replayed, no failure")
        exit(0)
    }

    /// The file itself, or the files directly inside a directory (sorted).
    private static func inputs(_ path: String) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return [path] }
        let names = (try? FileSystem.list(path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(path)/\($0)" }.filter { child in
            var childInfo = stat()
            return stat(child, &childInfo) == 0 && childInfo.st_mode & S_IFMT == S_IFREG
        }
    }
}
