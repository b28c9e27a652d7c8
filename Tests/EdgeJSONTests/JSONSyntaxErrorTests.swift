import EdgeJSON
import Testing

/// One document that is not JSON, and where and why the parser must say so.
struct SyntaxCase: Sendable, CustomTestStringConvertible {
    var kind: String
    var text: [UInt8]
    var line: Int
    var column: Int
    var message: String
    var testDescription: String { kind }

    init(_ kind: String, _ text: String, _ line: Int, _ column: Int, _ message: String) {
        self.init(kind, Array(text.utf8), line, column, message)
    }

    init(_ kind: String, _ text: [UInt8], _ line: Int, _ column: Int, _ message: String) {
        (self.kind, self.text, self.line, self.column, self.message) = (kind, text, line, column, message)
    }
}

@Suite struct JSONSyntaxErrorTests {
    static let cases: [SyntaxCase] = [
        SyntaxCase("empty document", "", 1, 1, "the document ends where a value was expected"),
        SyntaxCase("unterminated string", "{\n  \"name\": \"abc", 2, 11, "a string is not closed (missing '\"')"),
        SyntaxCase("escape at the very end", #"["ab\"#, 1, 2, "a string is not closed"),
        SyntaxCase("trailing comma in an array", "[1, 2,]", 1, 7, "a comma before ']' must be followed by another value"),
        SyntaxCase("trailing comma in an object", "{\"a\": 1,\n}", 2, 1, "a comma before '}' must be followed by another member"),
        SyntaxCase("missing colon", #"{"a" 1}"#, 1, 6, #"expected ':' after the member name "a""#),
        SyntaxCase("missing comma", "[1 2]", 1, 4, "expected ',' or ']' in an array"),
        SyntaxCase("missing comma between members", #"{"a": 1 "b": 2}"#, 1, 9, #"expected ',' or '}' after the value of "a""#),
        SyntaxCase("unquoted member name", "{a: 1}", 1, 2, "expected a member name in double quotes"),
        SyntaxCase("bad escape", #"["a\x"]"#, 1, 4, #"unknown escape \x; use"#),
        SyntaxCase("escape of a non-ASCII byte", "[\"\\é\"]", 1, 3, "unknown escape byte 0xc3"),
        SyntaxCase("short \\u escape", #"["\u12"]"#, 1, 3, #"\u must be followed by four hex digits"#),
        SyntaxCase("non-hex \\u escape", #"["\u12G4"]"#, 1, 3, #"\u must be followed by four hex digits"#),
        SyntaxCase("signed \\u escape", #"["\u+041"]"#, 1, 3, #"\u must be followed by four hex digits"#),
        SyntaxCase("lone high surrogate", #"["\uD800"]"#, 1, 3, "half a surrogate pair"),
        SyntaxCase("high surrogate then a letter", #"["x\uD83D\u0041"]"#, 1, 4, "half a surrogate pair"),
        SyntaxCase("lone low surrogate", #"["\uDE00"]"#, 1, 3, "half a surrogate pair"),
        SyntaxCase("tab inside a string", "[\"a\tb\"]", 1, 4, "a control character inside a string"),
        SyntaxCase("newline inside a string", "{\"a\": \"x\ny\"}", 1, 9, "write it as an escape such as \\n"),
        SyntaxCase("invalid UTF-8 in a string", [0x5B, 0x22, 0xFF, 0x22, 0x5D], 1, 2, "a string is not valid UTF-8"),
        SyntaxCase("leading zero", "{\"fps\":\n  025}", 2, 3, "numbers cannot have leading zeros"),
        SyntaxCase("negative leading zero", "[-01]", 1, 2, "numbers cannot have leading zeros"),
        SyntaxCase("minus alone", "[-]", 1, 3, "a number needs digits"),
        SyntaxCase("decimal point alone", "[1.]", 1, 4, "a decimal point needs digits after it"),
        SyntaxCase("empty exponent", "[1e+]", 1, 5, "an exponent needs digits"),
        SyntaxCase("plus sign", "[+1]", 1, 2, "expected a value (object, array, string, number, true, false or null)"),
        SyntaxCase("text after the document", "{} x", 1, 4, "unexpected text after the end of the document"),
        SyntaxCase("second document", "{}\n{}", 2, 1, "unexpected text after the end of the document"),
        SyntaxCase("misspelt literal", "[ture]", 1, 2, "did you forget the quotes around a string?"),
        SyntaxCase("columns count characters", "{\"é€\": x}", 1, 8, "expected a value"),
        SyntaxCase("comment", "// no\n{}", 1, 1, "expected a value"),
        SyntaxCase("nesting deeper than 64", String(repeating: "[", count: 65) + String(repeating: "]", count: 65), 1, 65, "nesting deeper than 64 levels"),
        SyntaxCase("deep objects", String(repeating: "{\"k\":", count: 65) + "1" + String(repeating: "}", count: 65), 1, 321, "nesting deeper than 64 levels"),
        SyntaxCase("duplicate key", "{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", 3, 2, #"duplicate key "a""#),
        SyntaxCase("BOM then an error", "\u{FEFF}[1,]", 1, 4, "a comma before ']'"),
    ]

    @Test(arguments: cases)
    func errorSaysWhereAndWhy(_ c: SyntaxCase) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(c.text) }
        guard let error else { return }
        #expect(error.line == c.line, "line")
        #expect(error.column == c.column, "column")
        #expect(error.message.contains(c.message), "\(error.message)")
        #expect(error.description == "line \(c.line), column \(c.column): \(error.message)")
    }
}
