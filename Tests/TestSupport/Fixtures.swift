import Foundation

/// Test fixtures in `Tests/Fixtures` and scratch directories, found from this file's path
/// (SwiftPM resources would need Bundle and Foundation in the libraries).
public enum Fixtures {
    public static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()  // TestSupport
        url.deleteLastPathComponent()  // Tests
        return url.appendingPathComponent("Fixtures").path
    }()

    public static func path(_ name: String) -> String { directory + "/" + name }

    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Where this test process's scratch directories go: `/tmp/edge-tests-<pid>`, removed
    /// when the process exits (kept with `EDGE_KEEP=1`, to look at what a failing test left).
    public static let scratchRoot: String = {
        let path = NSTemporaryDirectory() + "edge-tests-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)  // a crashed run's, under a reused pid
        if ProcessInfo.processInfo.environment["EDGE_KEEP"] == nil {
            atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "edge-tests-\(getpid())") }
        }
        return path
    }()

    /// A new empty directory under `scratchRoot`.
    public static func scratchDirectory(_ label: String = "test") throws -> String {
        let path = scratchRoot + "/\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
