#if canImport(Glibc)
import Glibc
#endif
import EdgeSystem

/// A bare Unix-socket client for sending what no well-behaved client would.
final class RawClient {
    let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = UnixSocketAddress(path)!
        let result = address.withSockaddr { connect(fd, $0, $1) }
        guard result == 0 else { throw Failure(description: "connect \(path): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Sends `bytes`; false once the server has closed.
    func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// What has arrived so far, without waiting; nil when nothing.
    func readAvailable() -> String? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return n > 0 ? String(decoding: chunk[..<n], as: UTF8.self) : nil
    }

    /// Everything until the server closes (or 5 s pass).
    func readToEnd() -> String {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += chunk[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func exchange(_ bytes: [UInt8]) throws -> String {
        if !bytes.isEmpty { _ = write(bytes) }
        return readToEnd()
    }

    /// Leaves a socket file at `path` with no one listening, as a crash would.
    static func abandonSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(fd) }
        var address = UnixSocketAddress(path)!
        let result = address.withSockaddr { bind(fd, $0, $1) }
        guard result == 0 else { throw Failure(description: "bind \(path): \(String(cString: strerror(errno)))") }
    }
}
