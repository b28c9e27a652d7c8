extension Array where Element == UInt8 {
    /// Overwrites the bytes with zeros in a way the optimiser may not drop
    /// (`explicit_bzero`), once a secret (a key, a seed, a key file's text) has been used.
    /// Copies made earlier are not reached: wipe where the secret was made, and make none.
    public mutating func wipe() {
        withUnsafeMutableBytes { bytes in
            if let base = bytes.baseAddress { explicit_bzero(base, bytes.count) }
        }
    }
}
