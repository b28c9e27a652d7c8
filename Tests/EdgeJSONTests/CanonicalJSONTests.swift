import EdgeJSON
import TestSupport
import Testing

@Suite struct CanonicalJSONTests {
    static let documents = [
        #"{"b": [1, 2.5, -3e10], "a": {"y": null, "x": true}, "": "empty key"}"#,
        #"[[], {}, "", "tab\tquote\"slash\\", "\u0001\u001f\u007f", "é€😀"]"#,
        #"{"gateway": "site-042", "cameras": [{"id": "door", "fps": 25}], "segmentSeconds": 10}"#,
        "12345678901234567890",
    ]

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func keysAreSortedByUTF16CodeUnits() {
        // U+1F600 is D83D DE00 in UTF-16 and so sorts before U+FF61, though its scalar
        // value is higher: RFC 8785 orders by code unit, not by scalar or UTF-8 byte.
        let value = JSONValue.object([
            ("\u{FF61}", .number("1")), ("😀", .number("2")), ("b", .number("3")), ("aa", .number("4")),
            ("a", .number("5")), ("B", .number("6")), ("é", .number("7")),
        ])
        #expect(text(CanonicalJSON.encode(value)) == #"{"B":6,"a":5,"aa":4,"b":3,"é":7,"😀":2,"｡":1}"#)
    }

    @Test func encodingHasNoWhitespaceAndSortsNestedObjects() throws {
        let value = try JSONParser.parse(Self.documents[0])
        #expect(text(CanonicalJSON.encode(value)) == #"{"":"empty key","a":{"x":true,"y":null},"b":[1,2.5,-3e10]}"#)
        #expect(text(CanonicalJSON.encode(.array([]))) == "[]")
        #expect(text(CanonicalJSON.encode(.object([]))) == "{}")
    }

    @Test func controlCharactersAreEscaped() {
        let value = JSONValue.string("\u{00}\u{01}\u{08}\u{09}\u{0A}\u{0C}\u{0D}\u{1F}\"\\/\u{7F}é")
        #expect(text(CanonicalJSON.encode(value)) == #""\u0000\u0001\b\t\n\f\r\u001f\"\\/"# + "\u{7F}é\"")
    }

    @Test(arguments: documents)
    func canonicalFormRoundTrips(_ document: String) throws {
        let value = try JSONParser.parse(document)
        let encoded = CanonicalJSON.encode(value)
        let reparsed = try JSONParser.parse(encoded)
        #expect(CanonicalJSON.encode(reparsed) == encoded)
        #expect(sortedKeys(reparsed) == sortedKeys(value))
    }

    @Test(arguments: documents)
    func prettyOutputParsesBackEqual(_ document: String) throws {
        let value = try JSONParser.parse(document)
        #expect(try JSONParser.parse(CanonicalJSON.pretty(value)) == value)
    }

    @Test func prettyIndentsTwoSpacesInDocumentOrder() throws {
        let value = try JSONParser.parse(#"{"z": [1, {}], "a": {"k": "v"}, "e": []}"#)
        let expected = """
            {
              "z": [
                1,
                {}
              ],
              "a": {
                "k": "v"
              },
              "e": []
            }
            """
        #expect(CanonicalJSON.pretty(value) == expected)
    }

    /// Random bytes, and valid documents with a few bytes changed, must give a value or a
    /// JSONSyntaxError, never a crash; whatever parses must survive a canonical round trip.
    @Test func randomInputNeverCrashesTheParser() {
        var random = SeededGenerator(seed: 0x4A53_4F4E)
        let alphabet = Array(#"{}[]":,.-+0123456789eEtrufalsn\/"u "#.utf8) + [0x0A, 0xC3, 0xA9, 0xFF, 0x00]
        let seeds = Self.documents.map { Array($0.utf8) }
        var parsed = 0, refused = 0
        for n in 0..<20_000 {
            let input: [UInt8] =
                switch n % 3 {
                case 0: random.bytes(Int.random(in: 0...48, using: &random))
                case 1: random.bytes(Int.random(in: 1...48, using: &random), from: alphabet)
                default: random.mutate(seeds[n % seeds.count])
                }
            do throws(JSONSyntaxError) {
                let value = try JSONParser.parse(input)
                parsed += 1
                let encoded = CanonicalJSON.encode(value)
                let again = try? JSONParser.parse(encoded)
                #expect(again.map(CanonicalJSON.encode) == encoded, "input \(input)")
            } catch {
                refused += 1
                #expect(error.line >= 1 && error.column >= 1 && !error.message.isEmpty, "input \(input)")
            }
        }
        #expect(parsed > 500 && refused > 10_000, "parsed \(parsed), refused \(refused)")
    }

    /// The value with every object's members sorted, to compare without document order.
    func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items): .array(items.map(sortedKeys))
        case .object(let members):
            .object(members.map { ($0.key, sortedKeys($0.value)) }.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) })
        default: value
        }
    }
}
