#if canImport(Glibc)
import Glibc
#endif

/// Questions on standard output, answers from standard input, a line each: typed at the
/// serial console, or piped in for a scripted setup. When the answers are piped, each is
/// printed after its question, so the output reads as the dialogue went.
struct SetupPrompter {
    /// Standard input ended before the setup did: nothing is written.
    struct Ended: Error {}

    let echo: Bool

    init(echo: Bool = isatty(0) == 0) { self.echo = echo }

    /// The answer, trimmed; `value` (shown in brackets) when the answer is empty. A long
    /// answer (a device path, a key) is typed on a line of its own, after "> ".
    func ask(_ question: String, default value: String? = nil, long: Bool = false) throws(Ended) -> String {
        let answer = try read(question + (value.map { " [\($0)]" } ?? "") + (long ? "\n>" : ":"))
        return answer.isEmpty ? value ?? "" : answer
    }

    private func read(_ prompt: String) throws(Ended) -> String {
        print(prompt, terminator: " ")
        fflush(nil)  // the question before the answer is read
        guard let line = readLine(strippingNewline: true) else {
            print("")
            throw Ended()
        }
        let answer = line.trimmingSpaces
        if echo { print(answer) }
        return answer
    }

    /// Yes or no; asked again (three times at most) when the answer is neither.
    func confirm(_ question: String, default yes: Bool) throws(Ended) -> Bool {
        for _ in 0..<3 {
            switch try read(question + (yes ? " [Y/n]:" : " [y/N]:")).lowercased() {
            case "": return yes
            case "y", "yes": return true
            case "n", "no": return false
            default: print("  answer y or n")
            }
        }
        throw Ended()
    }

    /// One of `count` numbered choices (1-based): `value` for an empty answer, nil when
    /// there is none; asked again when the answer is not one of them.
    func choose(_ question: String, count: Int, default value: Int?) throws(Ended) -> Int? {
        for _ in 0..<3 {
            let answer = try ask(question, default: value.map(String.init))
            if answer.isEmpty { return nil }
            if let n = Int(answer), (1...count).contains(n) { return n }
            print("  answer a number from 1 to \(count)")
        }
        throw Ended()
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns (a serial console
    /// sends CR LF).
    var trimmingSpaces: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
