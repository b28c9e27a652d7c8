import DeviceIdentity
import EdgeJSON
import EdgeSystem

/// A gateway's config as the centre pushes it (RELEASE.md, "Pushed configs"): the config,
/// the gateway it is for and a version that only goes up, in one canonical JSON envelope
/// signed by the release key. A gateway checks the signature before it parses the
/// envelope, refuses one made for another gateway, and writes the config file as
/// `fileBytes` spells it, so the centre knows the SHA-256 of what a gateway should run
/// and sees a technician's local change as drift.
public struct SignedConfig: Sendable, Equatable {
    public static let maxEnvelopeBytes = 48 << 10
    public static let maxSignatureBytes = 1024
    static let kind = "edge-recorder-config"

    public var gateway: String
    public var version: UInt64
    /// The config file as a gateway writes it.
    public var configBytes: [UInt8]
    /// The signed bytes and their minisign signature, as served.
    public var envelope: [UInt8]
    public var signature: String

    /// The config file's bytes for a config: canonical, indented, with a final newline.
    public static func fileBytes(_ config: JSONValue) -> [UInt8] { Array((CanonicalJSON.pretty(config) + "\n").utf8) }

    /// Signs `config` (a JSON object; its `gateway` member is set to `gateway`) as version
    /// `version` for `gateway`.
    public static func make(config: [UInt8], gateway: String, version: UInt64, key: DeviceKey) throws(ReleaseError) -> SignedConfig {
        guard PlainName.isLowerCaseID(gateway, max: PlainName.idLimit) else {
            throw ReleaseError(.input, "\"\(gateway)\" is not a gateway id: 1–64 of a-z, 0-9, '-' and '_', starting with a letter or digit")
        }
        guard version > 0, version <= 1 << 53 else { throw ReleaseError(.input, "a config version is 1…2⁵³") }
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(config) } catch { throw ReleaseError(.input, "the config is not JSON: \(error)") }
        guard case .object(var members) = parsed else { throw ReleaseError(.input, "a config is a JSON object") }
        members.removeAll { $0.key == "gateway" }
        members.append(("gateway", .string(gateway)))
        let body: JSONValue = .object(members)
        let envelope = CanonicalJSON.encode(
            .object([
                ("config", body), ("gateway", .string(gateway)), ("kind", .string(kind)), ("version", .integer(Int64(version))),
            ]))
        guard envelope.count <= maxEnvelopeBytes else {
            throw ReleaseError(.input, "the signed config is \(envelope.count) bytes; at most \(maxEnvelopeBytes) go to a gateway")
        }
        let signature: String
        do { signature = try key.sign(envelope, trustedComment: "edge-recorder config \(gateway) version \(version)").fileText } catch {
            throw ReleaseError(.input, "cannot sign: \(error.message)")
        }
        // The file as a gateway writes it: from the envelope's config, whose keys are sorted.
        let sorted = (try? JSONParser.parse(envelope))?["config"] ?? body
        return SignedConfig(gateway: gateway, version: version, configBytes: fileBytes(sorted), envelope: envelope, signature: signature)
    }

    /// Checks `envelope` and `signature` as a gateway does: sizes, then the signature by one
    /// of `keys`, then (only then) the envelope's fields, then that it is for `gateway`
    /// (nil: for any, as the centre checks a config before it publishes it).
    public static func verify(envelope: [UInt8], signature: String, keys: [MinisignPublicKey], gateway: String?) throws(ReleaseError) -> SignedConfig {
        guard !envelope.isEmpty, envelope.count <= maxEnvelopeBytes else {
            throw ReleaseError(.malformedManifest, "a signed config is 1–\(maxEnvelopeBytes) bytes; this one is \(envelope.count)")
        }
        guard signature.utf8.count <= maxSignatureBytes else {
            throw ReleaseError(.signature, "a config signature is at most \(maxSignatureBytes) bytes")
        }
        try ReleaseTrust(keys: keys).check(
            signature: Array(signature.utf8), of: envelope, name: "the config's signature", what: "configs", thing: "the config")
        func bad(_ what: String) -> ReleaseError { ReleaseError(.malformedManifest, "the signed config: \(what)") }
        let value: JSONValue
        do { value = try JSONParser.parse(envelope) } catch { throw bad("not JSON: \(error)") }
        guard CanonicalJSON.encode(value) == envelope else { throw bad("not canonical JSON") }
        guard case .object(let members) = value, members.count == 4 else { throw bad("must hold exactly config, gateway, kind and version") }
        guard case .string(kind)? = value["kind"] else { throw bad("kind must be \"\(kind)\"") }
        guard case .string(let target)? = value["gateway"], case .object? = value["config"], let config = value["config"],
            case .string(target)? = config["gateway"]
        else { throw bad("gateway must be a string and config an object naming the same gateway") }
        guard case .number(let text)? = value["version"], let version = UInt64(plainDecimal: text), version > 0, version <= 1 << 53 else {
            throw bad("version must be a whole number 1…2⁵³")
        }
        if let gateway, target != gateway {
            throw ReleaseError(.wrongGateway, "config version \(version) is for gateway \"\(target)\"; this is \"\(gateway)\"")
        }
        return SignedConfig(
            gateway: target, version: version, configBytes: fileBytes(config), envelope: envelope, signature: signature)
    }
}
