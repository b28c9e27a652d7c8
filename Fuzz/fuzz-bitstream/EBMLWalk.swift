import FuzzSupport

/// Walks a Matroska file as `MatroskaWriter` writes it (RFC 8794, RFC 9559): an EBML
/// header, then a Segment of unknown size holding Info, Tracks, optional Tags and
/// Clusters of unknown size, each a Timestamp then SimpleBlocks. Every element of known
/// size must be exactly filled by its children (for the masters) and end inside the file.
/// Returns the frames of the SimpleBlocks (track 1, timestamps strictly increasing), or
/// nil when the file is not like that.
enum EBMLWalk {
    static let masters: Set<UInt32> = [0x1A45_DFA3, 0x1549_A966, 0x1654_AE6B, 0xAE, 0xE0, 0x1254_C367, 0x7373, 0x63C0, 0x67C8]
    static let segment: UInt32 = 0x1853_8067, cluster: UInt32 = 0x1F43_B675
    static let clusterTimestamp: UInt32 = 0xE7, simpleBlock: UInt32 = 0xA3

    static func blocks(in file: [UInt8]) -> [[UInt8]]? {
        var r = Reader(bytes: file)
        guard let header = r.element(), header.id == 0x1A45_DFA3, let size = header.size, checkMaster(&r, size: size) else { return nil }
        guard let top = r.element(), top.id == segment, top.size == nil else { return nil }
        var blocks: [[UInt8]] = []
        var clusterTime: Int64? = nil
        var last: Int64 = -1
        while !r.isAtEnd {
            guard let e = r.element() else { return nil }
            switch e.id {
            case cluster:
                guard e.size == nil else { return nil }
                clusterTime = nil
            case clusterTimestamp:
                guard let size = e.size, size <= 8, let value = r.uint(size) else { return nil }
                clusterTime = Int64(value)
            case simpleBlock:
                guard let size = e.size, size >= 4, let time = clusterTime, let body = r.take(size).map(Array.init) else { return nil }
                guard body[0] == 0x81 else { return nil }
                let relative = Int64(Int16(bitPattern: UInt16(body[1]) << 8 | UInt16(body[2])))
                guard time + relative > last else { return nil }
                last = time + relative
                blocks.append(Array(body[4...]))
            default:
                guard clusterTime == nil, let size = e.size else { return nil }
                if masters.contains(e.id) {
                    guard checkMaster(&r, size: size) else { return nil }
                } else {
                    guard r.take(size) != nil else { return nil }
                }
            }
        }
        return blocks
    }

    /// The children of a master element of `size` bytes fill it exactly.
    private static func checkMaster(_ r: inout Reader, size: Int) -> Bool {
        let end = r.offset + size
        guard end <= r.bytes.count else { return false }
        while r.offset < end {
            guard let e = r.element(), let childSize = e.size, r.offset + childSize <= end else { return false }
            if masters.contains(e.id) {
                guard checkMaster(&r, size: childSize) else { return false }
            } else {
                r.offset += childSize
            }
        }
        return r.offset == end
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var isAtEnd: Bool { offset >= bytes.count }

        /// An element's ID (marker bits kept) and size (nil for unknown).
        mutating func element() -> (id: UInt32, size: Int?)? {
            guard let (idLength, _) = vint(maxLength: 4), let id = uint(idLength, from: offset - idLength) else { return nil }
            guard let (sizeLength, size) = vint(maxLength: 8) else { return nil }
            let unknown = size == (UInt64(1) << (7 * UInt64(sizeLength))) - 1
            return (UInt32(id), unknown ? nil : Int(size))
        }

        /// A variable-length integer: its length and value without the marker.
        mutating func vint(maxLength: Int) -> (Int, UInt64)? {
            guard offset < bytes.count, bytes[offset] != 0 else { return nil }
            let length = bytes[offset].leadingZeroBitCount + 1
            guard length <= maxLength, offset + length <= bytes.count else { return nil }
            var value = UInt64(bytes[offset] & (0xFF >> length))
            for i in 1..<length { value = value << 8 | UInt64(bytes[offset + i]) }
            offset += length
            return (length, value)
        }

        func uint(_ count: Int, from start: Int) -> UInt64? {
            guard start >= 0, start + count <= bytes.count else { return nil }
            return bytes[start..<start + count].reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func uint(_ count: Int) -> UInt64? {
            defer { offset += count }
            return uint(count, from: offset)
        }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
    }
}
