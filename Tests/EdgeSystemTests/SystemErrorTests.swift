import EdgeSystem
import Testing

@Suite struct SystemErrorTests {
    @Test func namesAndReasons() {
        let full = SystemError(code: ENOSPC, call: "write", subject: "/var/lib/edge-recorder/gate/000042.mkv")
        #expect(full.name == "ENOSPC")
        #expect(full.reason == "No space left on device")
        #expect(full.description == "write /var/lib/edge-recorder/gate/000042.mkv: No space left on device (ENOSPC)")
        #expect(SystemError(code: EAGAIN, call: "eventfd").description == "eventfd: Resource temporarily unavailable (EAGAIN)")
        #expect(SystemError(code: 9999, call: "x").name == "errno 9999")
    }

    @Test(arguments: [
        (EPERM, "EPERM"), (ENOENT, "ENOENT"), (EINTR, "EINTR"), (EIO, "EIO"), (ENXIO, "ENXIO"), (EBADF, "EBADF"),
        (EAGAIN, "EAGAIN"), (ENOMEM, "ENOMEM"), (EACCES, "EACCES"), (EBUSY, "EBUSY"), (EEXIST, "EEXIST"),
        (ENODEV, "ENODEV"), (ENOTDIR, "ENOTDIR"), (EISDIR, "EISDIR"), (EINVAL, "EINVAL"), (ENOSPC, "ENOSPC"),
        (EROFS, "EROFS"), (EPIPE, "EPIPE"), (ENAMETOOLONG, "ENAMETOOLONG"), (ENOTEMPTY, "ENOTEMPTY"),
        (EDQUOT, "EDQUOT"), (ETIMEDOUT, "ETIMEDOUT"), (ENOTTY, "ENOTTY"), (EFBIG, "EFBIG"), (EMFILE, "EMFILE"),
        (ENFILE, "ENFILE"), (EXDEV, "EXDEV"), (ELOOP, "ELOOP"), (ESPIPE, "ESPIPE"),
    ])
    func everyNamedErrno(_ code: Int32, _ name: String) {
        #expect(SystemError(code: code, call: "test").name == name)
    }

    @Test func storageFaultsAreTheDeviceOrDiskGoneOrFull() {
        let faults = [ENOSPC, EIO, EROFS, ENODEV, ENXIO, EDQUOT]
        #expect(faults.allSatisfy { SystemError(code: $0, call: "write").isStorageFault })
        let bugs = [ENOENT, EBADF, EINVAL, EACCES, EINTR, EAGAIN, EFBIG, EISDIR]
        #expect(!bugs.contains { SystemError(code: $0, call: "write").isStorageFault })
    }

    @Test func retryingInterruptsRetriesOnlyEINTR() {
        var calls = 0
        let value = try? retryingInterrupts("read", "x") { () -> Int in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 42
        }
        #expect(value == 42 && calls == 3)
        let error = #expect(throws: SystemError.self) {
            try retryingInterrupts("ioctl", "/dev/video0") { () -> Int32 in
                errno = ENODEV
                return -1
            }
        }
        #expect(error == SystemError(code: ENODEV, call: "ioctl", subject: "/dev/video0"))
    }
}
