/// Where a stage writes the bytes it produces, in order, never seeking back.
///
/// The Matroska writer writes into a sink; a sealer is a sink that encrypts into the next
/// sink; the storage layer ends the chain with a file. Because nothing seeks, a segment
/// can be encrypted as it is written and no plaintext ever reaches the disk.
public protocol ByteSink: AnyObject {
    /// Appends `bytes`. The sink may buffer them.
    func write(_ bytes: UnsafeRawBufferPointer) throws

    /// Pushes buffered bytes to the next stage (and, at the end of the chain, to the
    /// device), so a crash after `flush` loses none of them.
    func flush() throws
}

extension ByteSink {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
