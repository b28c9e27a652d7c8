import EdgeJSON

/// Which settings differ between two config documents, as paths `edgectl config set`
/// takes: `storage.minFreeMiB`, `cameras.gate.fps`, `recipients`. Array elements that
/// carry an `id` or `name` (cameras, destinations) are matched by it, so adding a camera
/// names `cameras.yard`, not every camera after it; other arrays compare whole.
public enum ConfigDiff {
    public static func paths(from old: JSONValue, to new: JSONValue) -> [String] {
        var out: [String] = []
        walk(old, new, at: "", depth: 0, into: &out)
        return out
    }

    private static func walk(_ old: JSONValue?, _ new: JSONValue?, at path: String, depth: Int, into out: inout [String]) {
        guard old != new else { return }
        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        // Configs nest a few levels: anything deeper is reported where it starts.
        guard depth < ConfigEditor.maxDepth else { return out.append(path) }
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            var keys = a.map(\.key)
            for key in b.map(\.key) where !keys.contains(key) { keys.append(key) }
            for key in keys {
                walk(a.first { $0.key == key }?.value, b.first { $0.key == key }?.value, at: child(key), depth: depth + 1, into: &out)
            }
        case (.array(let a)?, .array(let b)?) where a.allSatisfy({ name(of: $0) != nil }) && b.allSatisfy({ name(of: $0) != nil }):
            var names = a.compactMap(name(of:))
            for n in b.compactMap(name(of:)) where !names.contains(n) { names.append(n) }
            for n in names {
                walk(a.first { name(of: $0) == n }, b.first { name(of: $0) == n }, at: child(n), depth: depth + 1, into: &out)
            }
        default:
            out.append(path.isEmpty ? "(document)" : path)
        }
    }

    /// The `id` or `name` of an array element.
    private static func name(of element: JSONValue) -> String? {
        for key in ["id", "name"] {
            if case .string(let n)? = element[key] { return n }
        }
        return nil
    }
}
