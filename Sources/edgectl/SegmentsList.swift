import ArgumentParser
import EdgeJSON

extension Edgectl.Segments {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the ring's segments and gaps, oldest first (asks the daemon).")

        @OptionGroup var connection: SocketOption
        @Option(name: .long, help: "Only this camera.") var camera: String?
        @Option(name: .long, help: "all, held, unsent, uploaded or gap.") var state: String = "all"
        @Option(name: .long, help: "At most this many, the newest.") var limit: Int = 50
        @Flag(name: .long, help: "Print the daemon's JSON instead of text.") var json = false

        func validate() throws {
            guard ["all", "held", "unsent", "uploaded", "gap"].contains(state) else {
                throw ValidationError("--state \(state): use all, held, unsent, uploaded or gap")
            }
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be 1…100000") }
        }

        func run() throws {
            var query = "state=\(state)&limit=\(limit)"
            if let camera { query += "&camera=\(Self.percentEncoded(camera))" }
            let (raw, answer) = try connection.get("/v1/segments?\(query)")
            if json {
                print(String(decoding: raw, as: UTF8.self), terminator: "")
                return
            }
            let rows = answer["segments"]?.arrayValue ?? []
            print(StatusText.pad("CAMERA", 14) + StatusText.pad("SEQ", 10) + StatusText.pad("KIND", 8) + StatusText.pad("SIZE", 10) + "STATE")
            for row in rows {
                var flags: [String] = []
                if row["held"] == .bool(true) { flags.append("held") }
                if row["uploaded"] == .bool(true) { flags.append("uploaded") } else if row["kind"]?.textValue == "segment" { flags.append("unsent") }
                if row["evicted"] == .bool(true) { flags.append("evicted") }
                let bytes = Int64(row["bytes"]?.textValue ?? "0") ?? 0
                let line =
                    StatusText.pad(StatusText.clip(row["camera"]?.textValue ?? "?", 13), 14)
                    + StatusText.pad(row["sequence"]?.textValue ?? "?", 10) + StatusText.pad(row["kind"]?.textValue ?? "?", 8)
                    + StatusText.pad(StatusText.size(bytes), 10) + flags.joined(separator: ",")
                print(String(line.reversed().drop { $0 == " " }.reversed()))
            }
            let total = answer["total"]?.textValue ?? "\(rows.count)"
            if String(rows.count) != total { print("(\(rows.count) of \(total) shown; --limit for more)") }
        }

        static func percentEncoded(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                    out.append(Character(UnicodeScalar(byte)))
                default:
                    out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
                }
            }
            return out
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
