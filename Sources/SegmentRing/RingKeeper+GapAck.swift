import EdgeSystem

extension RingKeeper {
    /// Records, crash-safely, that `destination` acknowledged `camera`'s gap manifest
    /// `sequence`: an empty `<8-digit sequence>-gap.ack-<destination>` file, as
    /// `markUploaded` does for segments. A gap has no segment file, so the index (which
    /// only weighs segment files for eviction) does not change.
    public func markGapUploaded(camera: String, sequence: UInt64, destination: String) throws {
        guard !destination.isEmpty, destination.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }) else {
            throw RingError(.corrupt, "destination name \"\(destination)\" must be a-z, 0-9 and '-'")
        }
        let directory = layout.directory(camera: camera)
        let stem = sequence.zeroPadded(8) + "-gap"
        guard FileSystem.exists("\(directory)/\(stem).json") else {
            throw RingError(.corrupt, "camera \(camera) has no gap manifest \(sequence) in the ring")
        }
        try FileSystem.writeAtomically([], to: "\(directory)/\(stem).ack-\(destination)")
        try FileSystem.syncDirectory(directory)
    }
}
