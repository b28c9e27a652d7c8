/// EBML encoding (RFC 8794): elements are an ID, a variable-length size, and a body.
enum EBML {
    /// The size marker for "unknown": the element runs until an element that cannot be
    /// its child. Used for the Segment and Clusters, which are written as frames arrive.
    static let unknownSize: [UInt8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]

    /// An element ID as stored: its bytes with the length marker bits included.
    static func id(_ value: UInt32) -> [UInt8] {
        if value > 0xFF_FFFF { return [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        if value > 0xFFFF { return [UInt8(value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        if value > 0xFF { return [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)] }
        return [UInt8(value)]
    }

    /// A size as the shortest variable-length integer (all-ones is reserved for unknown).
    static func size(_ value: Int) -> [UInt8] {
        precondition(value >= 0)
        var length = 1
        while length < 8 && UInt64(value) >= (UInt64(1) << (7 * UInt64(length))) - 1 { length += 1 }
        var out = [UInt8](repeating: 0, count: length)
        var v = UInt64(value)
        for i in stride(from: length - 1, through: 0, by: -1) {
            out[i] = UInt8(truncatingIfNeeded: v)
            v >>= 8
        }
        out[0] |= UInt8(0x80 >> (length - 1))
        return out
    }

    static func element(_ id: UInt32, _ body: [UInt8]) -> [UInt8] {
        self.id(id) + size(body.count) + body
    }

    static func uint(_ id: UInt32, _ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: v), at: 0)
            v >>= 8
        } while v > 0
        return element(id, bytes)
    }

    static func int(_ id: UInt32, _ value: Int64) -> [UInt8] {
        element(id, (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
    }

    static func string(_ id: UInt32, _ value: String) -> [UInt8] { element(id, Array(value.utf8)) }

    static func master(_ id: UInt32, _ children: [[UInt8]]) -> [UInt8] { element(id, children.flatMap { $0 }) }
}

/// The Matroska element IDs we write (https://www.matroska.org/technical/elements.html).
enum MatroskaID {
    static let ebml: UInt32 = 0x1A45_DFA3, ebmlVersion: UInt32 = 0x4286, ebmlReadVersion: UInt32 = 0x42F7
    static let ebmlMaxIDLength: UInt32 = 0x42F2, ebmlMaxSizeLength: UInt32 = 0x42F3
    static let docType: UInt32 = 0x4282, docTypeVersion: UInt32 = 0x4287, docTypeReadVersion: UInt32 = 0x4285
    static let segment: UInt32 = 0x1853_8067
    static let info: UInt32 = 0x1549_A966, timestampScale: UInt32 = 0x2A_D7B1, muxingApp: UInt32 = 0x4D80
    static let writingApp: UInt32 = 0x5741, dateUTC: UInt32 = 0x4461, title: UInt32 = 0x7BA9
    static let tracks: UInt32 = 0x1654_AE6B, trackEntry: UInt32 = 0xAE, trackNumber: UInt32 = 0xD7
    static let trackUID: UInt32 = 0x73C5, trackType: UInt32 = 0x83, flagLacing: UInt32 = 0x9C
    static let codecID: UInt32 = 0x86, codecPrivate: UInt32 = 0x63A2, defaultDuration: UInt32 = 0x23_E383
    static let name: UInt32 = 0x536E, video: UInt32 = 0xE0, pixelWidth: UInt32 = 0xB0, pixelHeight: UInt32 = 0xBA
    static let tags: UInt32 = 0x1254_C367, tag: UInt32 = 0x7373, targets: UInt32 = 0x63C0
    static let simpleTag: UInt32 = 0x67C8, tagName: UInt32 = 0x45A3, tagString: UInt32 = 0x4487
    static let cluster: UInt32 = 0x1F43_B675, clusterTimestamp: UInt32 = 0xE7, simpleBlock: UInt32 = 0xA3
}
