import EdgeJSON
import FuzzSupport

/// The strict JSON parser on any bytes: it either refuses them with a position inside
/// the text or gives a value whose canonical and pretty forms parse back to the same
/// value (canonical: members sorted; pretty: in document order), and whose canonical
/// form is a fixed point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes)
    } catch {
        let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        expect(error.line >= 1 && error.line <= lines && error.column >= 1, "error position \(error) outside the text")
        return 0
    }
    let canonical = CanonicalJSON.encode(value)
    guard let reparsed = try? JSONParser.parse(canonical) else {
        expect(false, "the canonical form does not parse: \(String(decoding: canonical, as: UTF8.self))")
        return 0
    }
    expect(reparsed == sortedMembers(value), "parse(canonical(v)) differs from v")
    expect(CanonicalJSON.encode(reparsed) == canonical, "the canonical form is not a fixed point")
    let pretty = CanonicalJSON.pretty(value)
    expect((try? JSONParser.parse(pretty)) == value, "parse(pretty(v)) differs from v")
    return 0
}

/// `value` with every object's members in canonical order (UTF-16 code units).
func sortedMembers(_ value: JSONValue) -> JSONValue {
    switch value {
    case .array(let items): .array(items.map(sortedMembers))
    case .object(let members):
        .object(
            members.map { (key: $0.key, value: sortedMembers($0.value)) }
                .sorted { Array($0.key.utf16).lexicographicallyPrecedes($1.key.utf16) })
    default: value
    }
}
