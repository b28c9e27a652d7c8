/// Reads the subject common name out of an X.509 certificate's DER: just enough ASN.1 to
/// walk `Certificate → tbsCertificate → subject`. The certificate was already verified
/// against the centre's CA during the TLS handshake; this only names who it belongs to.
enum CertificateSubject {
    /// The subject's CN; nil when there is none, or more than one (a certificate naming
    /// two gateways names none: "last one wins" would let the issuer's quirks decide).
    static func commonName(der: [UInt8]) -> String? {
        var reader = DERReader(der[...])
        guard var certificate = reader.enter(0x30), var tbs = certificate.enter(0x30) else { return nil }
        if tbs.peekTag == 0xA0 { guard tbs.skip() else { return nil } }  // [0] version
        for _ in 0..<4 { guard tbs.skip() else { return nil } }  // serial, signature, issuer, validity
        guard var subject = tbs.enter(0x30) else { return nil }
        var found: [String] = []
        while !subject.isAtEnd {
            guard var set = subject.enter(0x31) else { return nil }
            while !set.isAtEnd {
                guard var attribute = set.enter(0x30), let oid = attribute.read(0x06) else { return nil }
                guard let tag = attribute.peekTag, let value = attribute.read(tag) else { return nil }
                // 2.5.4.3 id-at-commonName; UTF8String, PrintableString or IA5String.
                if oid.elementsEqual([0x55, 0x04, 0x03]), [0x0C, 0x13, 0x16].contains(tag) {
                    found.append(String(decoding: value, as: UTF8.self))
                }
            }
        }
        return found.count == 1 ? found[0] : nil
    }
}

/// A bounds-checked walk over DER TLVs (definite lengths only, as DER requires).
struct DERReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var isAtEnd: Bool { bytes.isEmpty }
    var peekTag: UInt8? { bytes.first }

    /// The contents of the next element if its tag is `tag`, advancing past it.
    mutating func read(_ tag: UInt8) -> ArraySlice<UInt8>? {
        guard bytes.count >= 2, bytes.first == tag else { return nil }
        var index = bytes.startIndex + 1
        var length = Int(bytes[index])
        index += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), bytes.endIndex - index >= count else { return nil }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[index])
                index += 1
            }
        }
        guard bytes.endIndex - index >= length else { return nil }
        let contents = bytes[index..<index + length]
        bytes = bytes[(index + length)...]
        return contents
    }

    mutating func enter(_ tag: UInt8) -> DERReader? { read(tag).map(DERReader.init) }

    mutating func skip() -> Bool {
        guard let tag = peekTag else { return false }
        return read(tag) != nil
    }
}
