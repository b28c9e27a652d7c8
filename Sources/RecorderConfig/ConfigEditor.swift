import EdgeJSON

/// Changes one setting in a config document, addressed by a dotted path:
/// `segmentSeconds`, `storage.minFreeMiB`, `cameras.gate.fps` (an array element by its
/// `id` or `name`, or by its index: `cameras.0.fps`). A value of `null` removes the
/// setting. What edgectl's `config set` does, on a file or on the daemon's config; the
/// result is then checked by the daemon's own validator.
public enum ConfigEditor {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The value as typed: JSON when it parses as JSON (`15`, `true`, `["a"]`, `"x"`),
    /// otherwise the text as a string (`/dev/video0`).
    public static func value(_ text: String) -> JSONValue {
        (try? JSONParser.parse(Array(text.utf8))) ?? .string(text)
    }

    /// The most parts a path may have (`cameras.gate.fps` has three).
    public static let maxDepth = 16

    public static func set(_ path: String, to value: JSONValue, in document: JSONValue) throws(Failure) -> JSONValue {
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, !keys.contains("") else {
            throw Failure(description: "\"\(path.prefix(80))\" is not a setting's path; write it like storage.minFreeMiB or cameras.gate.fps")
        }
        // A config nests four deep; the walk below recurses once per part.
        guard keys.count <= maxDepth else {
            throw Failure(description: "a setting's path has at most \(maxDepth) parts; this one has \(keys.count)")
        }
        return try set(keys[...], to: value, in: document, at: "")
    }

    private static func set(_ keys: ArraySlice<String>, to value: JSONValue, in node: JSONValue, at done: String) throws(Failure)
        -> JSONValue
    {
        let key = keys.first!
        let here = done.isEmpty ? key : done + "." + key
        let rest = keys.dropFirst()
        switch node {
        case .object(var members):
            let index = members.firstIndex { $0.key == key }
            if rest.isEmpty {
                if value == .null {
                    guard let index else { throw Failure(description: "\(here) is not set; nothing to remove") }
                    members.remove(at: index)
                } else if let index {
                    members[index].value = value
                } else {
                    members.append((key, value))
                }
                return .object(members)
            }
            guard let index else {
                let child = try set(rest, to: value, in: .object([]), at: here)
                members.append((key, child))
                return .object(members)
            }
            members[index].value = try set(rest, to: value, in: members[index].value, at: here)
            return .object(members)
        case .array(var items):
            let index =
                Int(key).flatMap { items.indices.contains($0) ? $0 : nil }
                ?? items.firstIndex { $0["id"] == .string(key) || $0["name"] == .string(key) }
            guard let index else {
                let names = items.compactMap { ($0["id"] ?? $0["name"]).flatMap { v -> String? in
                    if case .string(let s) = v { return s }
                    return nil
                } }
                throw Failure(description: "\(done) has no element \"\(key)\"" + (names.isEmpty ? "" : "; it has: \(names.joined(separator: ", "))"))
            }
            if rest.isEmpty {
                if value == .null { items.remove(at: index) } else { items[index] = value }
                return .array(items)
            }
            items[index] = try set(rest, to: value, in: items[index], at: here)
            return .array(items)
        default:
            throw Failure(description: "\(done) is \(node.typeName), not an object or array: it has no \(key)")
        }
    }
}
