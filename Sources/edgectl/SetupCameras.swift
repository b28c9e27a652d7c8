#if canImport(Glibc)
import Glibc
#endif
import EdgeJSON
import EdgeSystem
import V4L2Capture

/// What `edgectl setup` offers for cameras: the capture devices on the box, and for each
/// the formats the recorder can record, best first.
enum SetupCameras {
    /// One way to record a device: a format, a size, a rate.
    struct Option: Equatable {
        var fourcc: String
        var width: Int
        var height: Int
        /// The highest whole rate the driver lists for the size (at most 120), or nil
        /// when it lists none: the driver's own rate is kept.
        var fps: Int?

        var label: String {
            let size = "\(width)x\(height)"
            return fourcc + "  " + size + String(repeating: " ", count: max(1, 11 - size.count)) + (fps.map { "\($0) fps" } ?? "driver's rate")
        }
    }

    /// The devices to look at under `root` (normally /dev): the stable
    /// `v4l/by-path/…` names first, then each `videoN` none of them points at.
    static func devices(in root: String) -> [String] {
        let byPath = "\(root)/v4l/by-path"
        let stable = ((try? FileSystem.list(byPath)) ?? []).sorted().map { "\(byPath)/\($0)" }
        let covered = Set(stable.compactMap(resolved))
        let nodes = ((try? FileSystem.list(root)) ?? [])
            .filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }
            .sorted { (Int($0.dropFirst(5)) ?? 0) < (Int($1.dropFirst(5)) ?? 0) }
            .map { "\(root)/\($0)" }
            .filter { !covered.contains(resolved($0) ?? $0) }
        return stable + nodes
    }

    static func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(validatingCString: p)
    }

    /// The recordable formats of a device, compressed ones first, then larger sizes and
    /// higher rates; at most nine, so each is chosen with one key.
    static func options(_ device: DeviceDescription) -> [Option] {
        var options: [(option: Option, compressed: Bool)] = []
        for format in device.formats where format.recordable {
            for size in format.sizes {
                let listed = size.framesPerSecond + [size.maxFramesPerSecond].compactMap { $0 }
                options.append((Option(fourcc: format.fourcc, width: size.width, height: size.height, fps: wholeRate(listed.max())), format.compressed))
            }
            if let range = format.sizeRange {
                options.append((Option(fourcc: format.fourcc, width: range.maxWidth, height: range.maxHeight, fps: nil), format.compressed))
            }
        }
        let sorted = options.sorted { a, b in
            if a.compressed != b.compressed { return a.compressed }
            let (pa, pb) = (a.option.width * a.option.height, b.option.width * b.option.height)
            if pa != pb { return pa > pb }
            return (a.option.fps ?? 0) > (b.option.fps ?? 0)
        }
        var seen: [Option] = []
        for (option, _) in sorted where !seen.contains(option) { seen.append(option) }
        return Array(seen.prefix(9))
    }

    /// A driver's rate as the config takes it: whole, 1…120; nil for none or nonsense.
    static func wholeRate(_ rate: Double?) -> Int? {
        guard let rate, rate.isFinite, rate >= 1 else { return nil }
        return Int(exactly: min(rate, 120).rounded(.down))
    }

    /// The config's camera entry for a device recorded with `option`.
    static func entry(id: String, device: String, option: Option) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(id)), ("source", .string("v4l2")), ("device", .string(device)),
            ("width", .integer(Int64(option.width))), ("height", .integer(Int64(option.height))),
        ]
        if let fps = option.fps { fields.append(("fps", .integer(Int64(fps)))) }
        fields.append(("pixelFormat", .string(option.fourcc)))
        return .object(fields)
    }

    /// The built-in colour bars: checks the chain to the centre before a camera is fitted.
    static func testPattern(id: String) -> JSONValue {
        .object([("id", .string(id)), ("source", .string("test-pattern")), ("width", .integer(640)), ("height", .integer(480)), ("fps", .integer(10))])
    }

    /// A one-line account of a camera entry: `gate  v4l2 /dev/…  MJPG 1920x1080 25 fps`.
    static func summary(_ camera: JSONValue) -> String {
        let id = camera["id"]?.textValue ?? "?"
        let source = camera["source"]?.textValue ?? "?"
        var parts = [id, source]
        if let device = camera["device"]?.textValue { parts.append(device) }
        if let path = camera["path"]?.textValue { parts.append(path) }
        if let format = camera["pixelFormat"]?.textValue { parts.append(format) }
        if let w = camera["width"]?.textValue, let h = camera["height"]?.textValue { parts.append("\(w)x\(h)") }
        if let fps = camera["fps"]?.textValue { parts.append("\(fps) fps") }
        return parts.joined(separator: "  ")
    }
}
