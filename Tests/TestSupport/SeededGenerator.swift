/// SplitMix64: a small random number generator that gives the same sequence for the same
/// seed, so a randomised test that fails can be run again exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` bytes; with an `alphabet`, drawn from it.
    public mutating func bytes(_ count: Int, from alphabet: [UInt8]? = nil) -> [UInt8] {
        (0..<count).map { _ in alphabet?.randomElement(using: &self) ?? UInt8.random(in: 0...255, using: &self) }
    }

    /// `original` with a few bytes overwritten, inserted or deleted at random places.
    public mutating func mutate(_ original: [UInt8], edits: ClosedRange<Int> = 1...3) -> [UInt8] {
        var out = original
        for _ in 0..<Int.random(in: edits, using: &self) {
            let at = Int.random(in: 0...out.count, using: &self)
            let byte = UInt8.random(in: 0...255, using: &self)
            switch Int.random(in: 0..<3, using: &self) {
            case 0 where at < out.count: out[at] = byte
            case 1 where at < out.count: out.remove(at: at)
            default: out.insert(byte, at: at)
            }
        }
        return out
    }
}
