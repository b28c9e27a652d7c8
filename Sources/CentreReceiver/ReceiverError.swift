import EdgeSystem

/// A storage or system fault inside the receiver (a 500 for the request that met it).
public struct ReceiverError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A sequence number as the gateway ring writes it in file names: at least 8 digits.
func padded(_ sequence: UInt64) -> String { sequence.zeroPadded(8) }
