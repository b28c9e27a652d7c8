/// One thing wrong in a config: the field's path and what to do about it.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    /// `cameras[1].fps`; empty for the document as a whole.
    public var field: String
    public var message: String
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// Why a config was refused. Every problem found is listed.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, when the config came from one.
    public var source: String?
    public var problems: [ConfigProblem]

    public init(source: String?, problems: [ConfigProblem]) {
        self.source = source
        self.problems = problems
    }

    public var description: String {
        let head = source.map { "invalid config \($0)" } ?? "invalid config"
        if problems.count == 1 { return "\(head): \(problems[0])" }
        return ([head + ":"] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}
