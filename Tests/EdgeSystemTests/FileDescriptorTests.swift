import EdgeSystem
import TestSupport
import Testing

@Suite struct FileDescriptorTests {
    @Test func writeSeekReadSyncClose() throws {
        let path = try Fixtures.scratchDirectory("fd") + "/data.bin"
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o600)
        #expect(fd.isOpen && fd.subject == path)
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try fd.writeAll(payload)
        try fd.sync()
        #expect(try fd.seek(to: 0, whence: SEEK_CUR) == 100_000)
        #expect(try fd.seek(to: 10) == 10)
        #expect(try fd.read(upTo: 5) == Array(payload[10..<15]))
        try fd.seek(to: -3, whence: SEEK_END)
        #expect(try fd.read(upTo: 100) == Array(payload.suffix(3)))
        #expect(try fd.read(upTo: 100).isEmpty, "end of file")
        #expect(try fd.read(upTo: 0).isEmpty)
        try fd.close()
        #expect(!fd.isOpen && fd.rawValue == -1)
        try fd.close()  // a second close does nothing
        #expect(try FileSystem.readFile(path) == payload)
        #expect(try FileSystem.size(path) == 100_000)
    }

    @Test func openingAMissingPathNamesIt() throws {
        let path = try Fixtures.scratchDirectory("fd") + "/missing.bin"
        let error = #expect(throws: SystemError.self) { try FileDescriptor.open(path, O_RDONLY) }
        #expect(error?.code == ENOENT)
        #expect(error?.call == "open" && error?.subject == path)
        #expect(error?.description == "open \(path): No such file or directory (ENOENT)")
    }

    @Test func failingCallsReportTheirErrno() throws {
        let directory = try Fixtures.scratchDirectory("fd")
        let fd = try FileDescriptor.open(directory + "/ro.bin", O_RDONLY | O_CREAT)
        let write = #expect(throws: SystemError.self) { try fd.writeAll([1, 2, 3]) }
        #expect(write?.code == EBADF && write?.call == "write")
        let seek = #expect(throws: SystemError.self) { try fd.seek(to: -1) }
        #expect(seek?.code == EINVAL && seek?.call == "lseek")
        let dir = try FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY)
        let read = #expect(throws: SystemError.self) { try dir.read(upTo: 10) }
        #expect(read?.code == EISDIR && read?.subject == directory)
    }

    @Test func adoptedDescriptorIsClosedOnce() throws {
        var pair: [Int32] = [-1, -1]
        #expect(pipe(&pair) == 0)
        let reader = FileDescriptor(adopting: pair[0], subject: "pipe")
        let writer = FileDescriptor(adopting: pair[1], subject: "pipe")
        try writer.writeAll([9, 8, 7])
        try writer.close()
        #expect(try reader.read(upTo: 10) == [9, 8, 7])
        #expect(try reader.read(upTo: 10).isEmpty, "the writer is closed")
        try reader.close()
        #expect(!reader.isOpen && !writer.isOpen)
    }
}
