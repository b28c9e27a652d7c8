import EdgeCore
import EdgeSystem

/// What a camera is and everything it offers, for `edgectl cameras probe`.
public struct DeviceDescription: Sendable, Equatable, Codable {
    public var path: String
    public var driver: String
    public var card: String
    public var bus: String
    public var driverVersion: String
    /// Capability names of this node ("video-capture", "streaming"…).
    public var capabilities: [String]
    public var formats: [FormatDescription]
}

/// One pixel format and the sizes and rates it comes in.
public struct FormatDescription: Sendable, Equatable, Codable {
    /// "YUYV", "MJPG"…
    public var fourcc: String
    /// The driver's name for it ("YUYV 4:2:2").
    public var name: String
    public var compressed: Bool
    /// Whether `V4L2Source` records it as it is.
    public var recordable: Bool
    /// Discrete sizes, as the driver lists them.
    public var sizes: [SizeDescription]
    /// For drivers that give a range of sizes instead.
    public var sizeRange: SizeRange?
}

/// A discrete size and its frame rates.
public struct SizeDescription: Sendable, Equatable, Codable {
    public var width: Int
    public var height: Int
    /// Discrete rates, as the driver lists them (usually fastest first).
    public var framesPerSecond: [Double]
    /// For drivers that give a range of rates instead.
    public var minFramesPerSecond: Double?
    public var maxFramesPerSecond: Double?
}

/// A stepwise or continuous range of sizes.
public struct SizeRange: Sendable, Equatable, Codable {
    public var minWidth: Int, maxWidth: Int, stepWidth: Int
    public var minHeight: Int, maxHeight: Int, stepHeight: Int
}

/// Opens `path` (without streaming) and describes the camera and every format it offers
/// natively. Throws `SourceFailure` naming the problem, as `V4L2Source.open()` does.
public func probe(path: String) throws(SourceFailure) -> DeviceDescription {
    try probe(path: path, kernel: LinuxV4L2())
}

package func probe(path: String, kernel: any V4L2Kernel) throws(SourceFailure) -> DeviceDescription {
    do throws(SystemError) {
        let device = try DeviceHandle(path: path, converting: false, kernel: kernel)
        let identity = CameraIdentity(try device.capabilities())
        var formats: [FormatDescription] = []
        for entry in try device.formats() {
            formats.append(try describe(entry, on: device))
        }
        try device.close()
        return DeviceDescription(
            path: path, driver: identity.driver, card: identity.card, bus: identity.bus,
            driverVersion: identity.driverVersion, capabilities: identity.capabilityNames, formats: formats)
    } catch {
        throw SourceFailure.v4l2(error, device: path)
    }
}
