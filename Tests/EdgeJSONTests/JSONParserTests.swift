import EdgeJSON
import Testing

@Suite struct JSONParserTests {
    @Test func scalarsAtTheTopLevel() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse(" false ") == .bool(false))
        #expect(try JSONParser.parse("\"x\"") == .string("x"))
        #expect(try JSONParser.parse("\t\r\n42\n") == .number("42"))
    }

    @Test(arguments: ["0", "-0", "7", "-12", "3.25", "-0.5e+10", "1E-3", "6.02e23", "12345678901234567890"])
    func numbersKeepTheirText(_ text: String) throws {
        guard case .number(let kept) = try JSONParser.parse(text) else {
            Issue.record("\(text) did not parse as a number")
            return
        }
        #expect(kept == text)
    }

    @Test func stringsDecodeEveryEscape() throws {
        let text = #""q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC \uD83D\uDE00 é""#
        #expect(try JSONParser.parse(text) == .string("q\" b\\ s/ \u{08}\u{0C}\n\r\t é € 😀 é"))
        #expect(try JSONParser.parse(#""""#) == .string(""))
    }

    @Test func nestedContainersKeepDocumentOrder() throws {
        let text = """
            {
              "zeta": [1, "two", null, true, {"inner": []}],
              "alpha": {},
              "mid" : [ ]
            }
            """
        let expected = JSONValue.object([
            ("zeta", .array([.number("1"), .string("two"), .null, .bool(true), .object([("inner", .array([]))])])),
            ("alpha", .object([])),
            ("mid", .array([])),
        ])
        let value = try JSONParser.parse(text)
        #expect(value == expected)
        guard case .object(let members) = value else { throw ParseFailure.notAnObject }
        #expect(members.map(\.key) == ["zeta", "alpha", "mid"])
    }

    @Test func nestingOf64LevelsIsAccepted() throws {
        let depth = JSONParser.maxDepth
        var value = try JSONParser.parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        var levels = 0
        while case .array(let items) = value {
            levels += 1
            value = items.first ?? .null
        }
        #expect(levels == 64)
        #expect(try JSONParser.parse(String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)) != .null)
    }

    @Test func byteOrderMarkIsTolerated() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try JSONParser.parse(bom + Array(#"{"a": 1}"#.utf8)) == .object([("a", .number("1"))]))
        #expect(try JSONParser.parse("\u{FEFF}[true]") == .array([.bool(true)]))
    }

    @Test func valueAccessors() throws {
        let value = try JSONParser.parse(#"{"n": 5, "s": "x"}"#)
        #expect(value["n"] == .number("5"))
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([])["n"] == nil)
        #expect(JSONValue.integer(-9_007_199_254_740_993) == .number("-9007199254740993"))
        let names = [JSONValue.null, .bool(true), .number("1"), .string(""), .array([]), .object([])].map(\.typeName)
        #expect(names == ["null", "a boolean", "a number", "a string", "an array", "an object"])
    }

    @Test func numbersCompareByValueAndObjectsByOrder() {
        #expect(JSONValue.number("1.0") == .number("1"))
        #expect(JSONValue.number("1e2") == .number("100"))
        #expect(JSONValue.number("1") != .number("2"))
        #expect(JSONValue.number("1") != .string("1"))
        #expect(JSONValue.object([("a", .null), ("b", .null)]) != .object([("b", .null), ("a", .null)]))
        #expect(JSONValue.array([.null]) != .array([.null, .null]))
    }
}

enum ParseFailure: Error { case notAnObject }
