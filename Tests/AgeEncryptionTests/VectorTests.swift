import EdgeSystem
import Testing

@testable import AgeEncryption

/// One C2SP age test vector: `key: value` lines, a blank line, then the file.
struct AgeVector: CustomStringConvertible {
    let name: String
    let expect: String
    let payloadHash: String?
    let identities: [String]
    let file: [UInt8]

    var description: String { name }

    static let directory: String = {
        // Located from this source file, not from SwiftPM resources (which would drag
        // Foundation's Bundle into the test target).
        let here = #filePath
        return String(here[..<here.lastIndex(of: "/")!]) + "/Vectors"
    }()

    static let names: [String] = {
        let names = (try? FileSystem.list(directory)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted()
    }()

    init(named name: String) throws {
        self.name = name
        let data = try FileSystem.readFile("\(Self.directory)/\(name)", limit: 1 << 20)
        var fields: [(String, String)] = []
        var offset = 0
        while true {
            let newline = data[offset...].firstIndex(of: UInt8(ascii: "\n"))!
            let line = String(decoding: data[offset..<newline], as: UTF8.self)
            offset = newline + 1
            if line.isEmpty { break }
            let colon = line.firstIndex(of: ":")!
            fields.append((String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...])))
        }
        func values(_ key: String) -> [String] { fields.filter { $0.0 == key }.map(\.1) }
        expect = values("expect").first ?? ""
        payloadHash = values("payload").first
        identities = values("identity")
        let body = Array(data[offset...])
        file = values("compressed").first == "zlib" ? try Zlib.inflate(body) : body
    }
}

@Suite struct VectorTests {
    @Test func vectorSetIsComplete() {
        // 68 binary X25519 vectors plus 31 armored ones.
        #expect(AgeVector.names.count == 99)
    }

    @Test(arguments: AgeVector.names)
    func vector(_ name: String) throws {
        let vector = try AgeVector(named: name)
        // Hybrid (post-quantum) identities appear in one X25519 vector; we do not
        // implement them, and the vector must fail without them.
        let identities = try vector.identities.filter { $0.hasPrefix("AGE-SECRET-KEY-1") }
            .map { try AgeIdentity(parsing: $0) }
        let sink = try HashingSink()
        var outcome: Result<AgeDecryptionResult, AgeError>
        do {
            let reader = try AgeReader(identities: identities.isEmpty ? [AgeIdentity.generate()] : identities)
            outcome = .success(try reader.decrypt(from: ByteArraySource(vector.file)) { try sink.write($0) })
        } catch let error as AgeError {
            outcome = .failure(error)
        }
        switch (vector.expect, outcome) {
        case ("success", .success(let result)):
            #expect(result.isComplete)
        case ("success", .failure(let error)):
            Issue.record("\(name) should decrypt, failed with \(error)")
        case (_, .success):
            Issue.record("\(name) should fail (\(vector.expect)) but decrypted")
        case (let expect, .failure(let error)):
            let codes: [String: AgeErrorCode] = [
                "header failure": .header, "armor failure": .armor, "no match": .noMatchingIdentity,
                "HMAC failure": .headerMAC, "payload failure": .payload,
            ]
            #expect(codes[expect] == error.code, "\(name): expected \(expect), got \(error)")
        }
        // Whatever was released, even before a failure, must match the vector's hash.
        if let expected = vector.payloadHash {
            #expect(try sink.hexDigest() == expected, "\(name): released plaintext differs")
        }
    }
}
