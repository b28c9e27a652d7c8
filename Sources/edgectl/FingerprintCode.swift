import ArgumentParser
import QRCode

/// The enrolment fingerprints as a QR code on the console, for the technician's phone: the
/// whole device key and certificate hash, which nobody reads aloud without a slip.
enum FingerprintCode {
    /// The terminal's background. The blocks are drawn in the text colour, so on a dark
    /// background (most serial consoles) the light modules are drawn.
    enum Background: String, ExpressibleByArgument, CaseIterable {
        case dark, light, none
    }

    static func print(_ text: String, background: Background) {
        guard background != .none else { return }
        let code: QRCode
        do { code = try QRCode(bytes: Array(text.utf8), correction: .medium) } catch {
            printError("no QR code: \(error)")
            return
        }
        Swift.print("  the same, for a phone (--qr light if it reads nothing; --qr none):")
        for line in code.terminalLines(quiet: 4, inverted: background == .dark) { Swift.print(line) }
    }
}
