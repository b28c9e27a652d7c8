import COpenSSL
import Custody
import DeviceIdentity
import EdgeSystem
import FuzzSupport

/// Manifests, minisign signatures and the chain verifier.
///
/// The first byte picks what the rest is (its value modulo 3):
/// - 0: a manifest or a checkpoint. What parses must print (`canonicalJSON`) as bytes that
///   parse back to the same value, and those bytes are a fixed point.
/// - 1: a signature plan (see `SignaturePlan`): signatures made here, then edited, and
///   signature and key files as given.
/// - 2: a store for `ChainVerifier` (see `StorePlan`), written to a scratch directory.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    switch input.byte() % 3 {
    case 0: checkManifest(input.rest())
    case 1: SignaturePlan.run(&input)
    default: StorePlan.run(input.rest())
    }
    return 0
}

func checkManifest(_ bytes: [UInt8]) {
    if let checkpoint = try? Checkpoint.parse(bytes) {
        expect((try? Checkpoint.parse(checkpoint.canonicalJSON)) == checkpoint, "a checkpoint changes when printed and read back")
    }
    guard let manifest = try? ManifestParser.parse(bytes) else { return }
    let canonical = manifest.canonicalJSON
    let again: Manifest
    do { again = try ManifestParser.parse(canonical) } catch {
        expect(false, "the canonical form of a manifest does not parse: \(error)")
        return
    }
    expect(again == manifest, "a manifest changes when printed and read back")
    expect(again.canonicalJSON == canonical, "the canonical form is not a fixed point")
}

/// The device key the targets sign with: a fixed Ed25519 key for fuzzing only, loaded
/// through `DeviceKey` from a scratch state directory.
nonisolated(unsafe) let deviceKey: DeviceKey = {
    let state = ScratchDirectory("fuzz-manifest-key")
    state.write(DeviceKey.fileName, Array(fuzzKeyPEM.utf8))
    return try! DeviceKey.load(stateDirectory: state.path)
}()
let fuzzKeyPEM = """
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEICfWoaoCnXaKqIMili3lu0qMWyhxniAsl+3fCyrDavaC
    -----END PRIVATE KEY-----

    """

/// SHA-256 through libcrypto, independent of the code under test.
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    let input = bytes.isEmpty ? [0] : bytes
    guard EVP_Digest(input, bytes.count, &out, &length, EVP_sha256(), nil) == 1 else { fatalError("SHA-256 failed") }
    return out
}
