import DeviceIdentity
import EdgeSystem
import FuzzSupport
import Release

/// Release archives as a gateway reads them (`ReleaseReader`) and the manifest parser.
///
/// The first byte picks what the rest is (its value modulo 3):
/// - 0: an archive as given, read with extraction on or off;
/// - 1: an edit plan for a release signed here at start (a cut, byte edits, bytes
///   appended), read with extraction on or off;
/// - 2: manifest bytes for `ReleaseManifestParser`: what parses is its own canonical form.
///
/// Whatever the input: nothing traps, and an archive is accepted only when it is byte for
/// byte the release that was signed (the signature covers the manifest, which fixes every
/// header, file, padding and the length), except within the text of the signature's
/// untrusted comment, which minisign does not sign. A strict prefix of that release is
/// refused as truncated once past its two leading members.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    switch input.byte() % 3 {
    case 0:
        let extract = input.bool()
        read(input.rest(), extract: extract)
    case 1: readEdited(&input)
    default: checkManifest(input.rest())
    }
    return 0
}

func readEdited(_ input: inout FuzzInput) {
    let extract = input.bool()
    var bytes = signed.archive
    if input.bool() { bytes.removeLast(bytes.count - input.int(in: 0...bytes.count)) }
    let prefixOnly = bytes.count < signed.archive.count
    var edited = false
    while input.remaining >= 4 {
        if input.byte() & 0x0F == 0 {
            bytes += input.bytes(input.int(in: 1...64))
            edited = true
            continue
        }
        guard !bytes.isEmpty else { break }
        let at = input.int(in: 0...(bytes.count - 1))
        let flip = input.byte()
        bytes[at] ^= flip
        edited = edited || flip != 0
    }
    let error = read(bytes, extract: extract)
    if prefixOnly, !edited, bytes.count >= signed.leadingBytes {
        expect(error?.code == .truncated, "a cut of the signed release at \(bytes.count) was refused as \(String(describing: error))")
    }
}

/// Reads `bytes` as an archive; returns the refusal (nil when accepted).
@discardableResult
func read(_ bytes: [UInt8], extract: Bool) -> ReleaseError? {
    scratch.clear()
    scratch.write("in.tar", bytes)
    let slot = "\(scratch.path)/slot"
    if extract { _ = mkdir(slot, 0o755) }
    do {
        let release = try ReleaseReader.read(path: "\(scratch.path)/in.tar", trust: signed.trust, extractingInto: extract ? slot : nil)
        let changed = (0..<min(bytes.count, signed.archive.count)).filter { bytes[$0] != signed.archive[$0] }
        expect(
            bytes.count == signed.archive.count && changed.allSatisfy { signed.untrustedComment.contains($0) },
            "an archive other than the signed release was accepted (\(bytes.count) bytes, changed at \(changed.prefix(8)))")
        expect(release.manifest == signed.manifest, "the accepted manifest differs from the signed one")
        return nil
    } catch {
        expect(!error.message.isEmpty, "a refusal without a message")
        return error
    }
}

func checkManifest(_ bytes: [UInt8]) {
    guard let manifest = try? ReleaseManifestParser.parse(bytes) else { return }
    expect(manifest.canonicalBytes == bytes, "a manifest parsed from bytes other than its canonical form")
    _ = manifest.archiveSize(manifestBytes: bytes.count, signatureBytes: ReleaseManifest.maxSignatureBytes)
}

let scratch = ScratchDirectory("fuzz-release")

/// The release every edit plan starts from: three small files (one empty, one not a
/// multiple of 512 bytes, one spanning blocks), signed at start with a fixed key.
let signed: (
    archive: [UInt8], manifest: ReleaseManifest, trust: ReleaseTrust, leadingBytes: Int, untrustedComment: Range<Int>
) = {
    let work = ScratchDirectory("fuzz-release-signed")
    work.write("release.key", Array(fuzzKeyPEM.utf8))
    let key = try! DeviceKey.load(keyFile: "\(work.path)/release.key", role: "release key")
    work.write("empty", [])
    work.write("config.json", Array(#"{"cameras":[]}"#.utf8))
    work.write("edge-recorderd", (0..<1500).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let created = WallTime(rfc3339: "2026-12-01T00:00:00.000000000Z")!
    let release = try! ReleaseArchive.make(
        ReleaseManifest(
            version: "1.0.0", securityVersion: 3, board: "fuzz", created: created, expires: created + .seconds(86400),
            stateFormats: [1]),
        files: [
            .init(source: "\(work.path)/edge-recorderd", path: "bin/edge-recorderd"),
            .init(source: "\(work.path)/empty", path: "lib/empty"),
            .init(source: "\(work.path)/config.json", path: "etc/config.json"),
        ], key: key, output: "\(work.path)/release.tar")
    let archive = try! FileSystem.readFile("\(work.path)/release.tar")
    let trust = ReleaseTrust(
        keys: [key.publicKey], board: "fuzz", installedSecurityVersion: 2, stateFormat: 1, now: created + .seconds(3600))
    let signatureStart = 1024 + (release.manifestBytes.count + 511) / 512 * 512
    let leading = signatureStart + (release.signature.count + 511) / 512 * 512
    // The text after "untrusted comment: " on the signature's first line.
    let commentStart = signatureStart + "untrusted comment: ".utf8.count
    let commentEnd = signatureStart + release.signature.firstIndex(of: 0x0A)!
    return (archive, release.manifest, trust, leading, commentStart..<commentEnd)
}()

let fuzzKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEIGZ1enotcmVsZWFzZTogYSBrZXkgZm9yIGZ1enppbmch
    -----END PRIVATE KEY-----

    """
