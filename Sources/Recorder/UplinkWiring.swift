import Logging
import RecorderConfig
import SegmentRing
import Uplink

extension DestinationConfiguration {
    /// The config's destination, in the uplink's terms.
    package var uplinkDestination: UplinkDestination {
        UplinkDestination(
            name: name, url: url, tls: UplinkTLS(caFile: caFile, certFile: certFile, keyFile: keyFile, pinnedKey: pinnedKey),
            rateBytesPerSecond: rateBytesPerSecond.map(Int64.init),
            windows: windows.compactMap(Self.window).map { UploadWindow(startMinute: $0.start, endMinute: min($0.end, 1440)) },
            concurrency: concurrency, connectSeconds: connectSeconds, stallSeconds: stallSeconds)
    }
}

package enum UplinkLog {
    package static func log(_ event: UplinkEvent, _ logger: Logger) {
        switch event {
        case .uploaded(let destination, let item, _, _) where item.kind == .checkpoint:
            // One per manifest: worth a line only when looking closely.
            logger.debug("checkpoint delivered", metadata: ["destination": "\(destination)", "camera": "\(item.camera)"])
        case .uploaded(let destination, let item, let bytes, let duplicate):
            logger.info(duplicate ? "already at the destination" : "uploaded", metadata: [
                "destination": "\(destination)", "camera": "\(item.camera)", "seq": "\(item.sequence)", "bytes": "\(bytes)",
            ])
        case .conflict(let destination, let item, let message):
            logger.critical("evidence conflict: \(message)", metadata: ["destination": "\(destination)", "camera": "\(item.camera)", "seq": "\(item.sequence)"])
        case .rejected(let destination, let item, let status, let message):
            logger.error("refused by the destination: \(message)", metadata: [
                "destination": "\(destination)", "camera": "\(item.camera)", "seq": "\(item.sequence)", "status": "\(status)",
            ])
        case .backingOff(let destination, let error, let delay):
            logger.warning("upload failed: \(error); retrying in \(Int(delay.seconds)) s", metadata: ["destination": "\(destination)"])
        case .progress:
            break
        }
    }
}
