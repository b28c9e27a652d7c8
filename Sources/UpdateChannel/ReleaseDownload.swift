import EdgeCrypto
import EdgeSystem
import Uplink

/// Fetches a release archive into `<state>/update/downloads/`, resumable: the bytes so far
/// are `<sha256>.part` (fsynced after every transfer, so a reboot keeps them), the next
/// transfer asks for the rest with `Range`; once whole and of the announced SHA-256 it
/// becomes `<sha256>.tar`. At most one release is kept: older downloads are removed first.
struct ReleaseDownload {
    let directory: String
    let base: String
    let transport: any ChannelTransport
    let control: TransferControl

    /// The path of the whole, checked archive.
    func fetch(_ release: DesiredState.Release) throws(ChannelError) -> String {
        let final = "\(directory)/\(release.hex).tar"
        let part = "\(directory)/\(release.hex).part"
        do throws(SystemError) {
            try FileSystem.makeDirectories(directory, mode: 0o750)
            for name in try FileSystem.list(directory) where !name.hasPrefix(release.hex) {
                try FileSystem.remove("\(directory)/\(name)")
            }
        } catch { throw ChannelError(.storage, "cannot prepare \(directory): \(error)", cause: error) }
        if FileSystem.exists(final) { return final }
        // A 200 to a ranged request (the centre ignored the range) starts over once.
        for _ in 0..<2 {
            if try transfer(release, to: part) { break }
        }
        let have = (try? FileSystem.size(part)) ?? 0
        guard have == release.size else {
            throw ChannelError(.network, "release \(release.version): \(have) of \(release.size) bytes so far; the rest at the next poll")
        }
        let digest: [UInt8]
        do { digest = try Digest.hash(file: part, .sha256) } catch { throw ChannelError(.storage, "cannot read \(part): \(error)", cause: error) }
        guard digest == release.sha256 else {
            try? FileSystem.remove(part)
            throw ChannelError(
                .hashMismatch,
                "release \(release.version): the download's SHA-256 is \(Hex.encode(digest)), not the announced \(release.hex); discarded")
        }
        do throws(SystemError) {
            try FileSystem.rename(part, to: final)
            try FileSystem.syncDirectory(directory)
        } catch { throw ChannelError(.storage, "cannot keep the download: \(error)", cause: error) }
        return final
    }

    /// One GET for what is missing. Returns false when it has to start over (the centre
    /// answered the whole file to a ranged request).
    private func transfer(_ release: DesiredState.Release, to part: String) throws(ChannelError) -> Bool {
        var offset = (try? FileSystem.size(part)) ?? 0
        if offset > release.size {
            try? FileSystem.remove(part)
            offset = 0
        }
        guard offset < release.size else { return true }
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(part, O_WRONLY | O_CREAT | O_NOFOLLOW, mode: 0o640)
            try file.seek(to: offset)
        } catch { throw ChannelError(.storage, "cannot open \(part): \(error)", cause: error) }
        let sink = DownloadSink(file: file, limit: release.size - offset, acceptStatus: offset > 0 ? 206 : 200)
        let response: TransportResponse
        do {
            response = try transport.get(
                base + release.path, headers: offset > 0 ? [("Range", "bytes=\(offset)-")] : [], download: sink, control: control)
        } catch {
            try? file.sync()
            throw ChannelError(error, during: "release \(release.version) at byte \(offset + sink.written)")
        }
        do {
            try file.sync()
            try file.close()
        } catch { throw ChannelError(.storage, "cannot sync \(part): \(error)", cause: error) }
        switch response.status {
        case 200 where offset > 0:
            try? FileSystem.remove(part)
            return false
        case 200: return true
        case 206:
            guard response[header: "Content-Range"] == "bytes \(offset)-\(release.size - 1)/\(release.size)" else {
                try? FileSystem.remove(part)
                throw ChannelError(
                    .malformed, "the centre answered range \(response[header: "Content-Range"] ?? "none") for bytes \(offset)- of \(release.size)")
            }
            return true
        case 416:
            try? FileSystem.remove(part)
            throw ChannelError(.centre, "the centre's release is not \(release.size) bytes (416); starting over")
        default:
            throw ChannelError(.centre, "GET \(release.path): \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }
}
