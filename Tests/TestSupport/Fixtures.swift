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

    /// A new empty directory under /tmp, removed when the process ends if the test passes.
    public static func scratchDirectory(_ label: String = "test") throws -> String {
        let path = NSTemporaryDirectory() + "edge-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
