import EdgeJSON

/// Walks a JSON document by field path, collecting every problem instead of stopping at
/// the first, so a technician fixes a config in one pass.
final class FieldReader {
    private(set) var problems: [ConfigProblem] = []

    func problem(_ path: String, _ message: String) {
        problems.append(ConfigProblem(field: path, message: message))
    }

    /// An object's members, checked against the names it may have.
    func object(_ value: JSONValue, at path: String, allowed: [String]) -> [String: JSONValue]? {
        guard case .object(let members) = value else {
            problem(path, "expected an object, found \(value.typeName)")
            return nil
        }
        var out: [String: JSONValue] = [:]
        for (key, v) in members {
            if allowed.contains(key) {
                out[key] = v
            } else {
                let field = path.isEmpty ? key : "\(path).\(key)"
                let hint = Self.closest(key, in: allowed).map { "did you mean \"\($0)\"? " } ?? ""
                problem(field, "unknown field; \(hint)fields here: \(allowed.joined(separator: ", "))")
            }
        }
        return out
    }

    func string(_ members: [String: JSONValue], _ key: String, at path: String, required: Bool = true) -> String? {
        guard let v = members[key] else {
            if required { problem(join(path, key), "missing; this field is required") }
            return nil
        }
        guard case .string(let s) = v else {
            problem(join(path, key), "expected a string, found \(v.typeName)")
            return nil
        }
        return s
    }

    func integer(
        _ members: [String: JSONValue], _ key: String, at path: String, range: ClosedRange<Int>, required: Bool = true
    ) -> Int? {
        let field = join(path, key)
        guard let v = members[key] else {
            if required { problem(field, "missing; give a whole number in \(range.lowerBound)…\(range.upperBound)") }
            return nil
        }
        let text: String
        switch v {
        case .number(let n): text = n
        case .string(let s) where Int(s) != nil:
            // Int("+25") and Int("007") succeed, but only the plain digits are valid JSON.
            problem(field, "expected a number, found a string: write \(Int(s)!) without quotes")
            return nil
        default:
            problem(field, "expected a whole number, found \(v.typeName)")
            return nil
        }
        guard let n = Int(text) ?? Double(text).flatMap({ $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil }) else {
            // A whole number too big for Int (1e20, 99999999999999999999) is out of range, not fractional.
            let whole = Double(text).map { $0 == $0.rounded() } ?? false
            problem(field, whole ? "\(text) is out of range \(range.lowerBound)…\(range.upperBound)" : "\(text) is not a whole number")
            return nil
        }
        guard range.contains(n) else {
            problem(field, "\(n) is out of range \(range.lowerBound)…\(range.upperBound)")
            return nil
        }
        return n
    }

    func array(_ members: [String: JSONValue], _ key: String, at path: String) -> [JSONValue]? {
        guard let v = members[key] else {
            problem(join(path, key), "missing; this field is required")
            return nil
        }
        guard case .array(let items) = v else {
            problem(join(path, key), "expected an array, found \(v.typeName)")
            return nil
        }
        return items
    }

    func choice(_ members: [String: JSONValue], _ key: String, at path: String, among options: [String], required: Bool = true) -> String? {
        guard let s = string(members, key, at: path, required: required) else { return nil }
        guard options.contains(s) else {
            problem(join(path, key), "\"\(s)\" is not one of: \(options.joined(separator: ", "))")
            return nil
        }
        return s
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The allowed name nearest to a misspelt one, if it is close (edit distance ≤ 2).
    static func closest(_ word: String, in options: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var previous = row[0]
                row[0] = i + 1
                for (j, cb) in b.enumerated() {
                    let current = row[j + 1]
                    row[j + 1] = min(row[j + 1] + 1, row[j] + 1, previous + (ca == cb ? 0 : 1))
                    previous = current
                }
            }
            return row[b.count]
        }
        let w = Array(word.lowercased())
        return options.map { ($0, distance(w, Array($0.lowercased()))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }
}
