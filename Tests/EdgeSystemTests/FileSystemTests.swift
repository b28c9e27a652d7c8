import EdgeSystem
import TestSupport
import Testing

@Suite struct FileSystemTests {
    @Test func makeDirectoriesCreatesParentsAndToleratesExisting() throws {
        let root = try Fixtures.scratchDirectory("fs")
        try FileSystem.makeDirectories(root + "/a/b/c", mode: 0o700)
        try FileSystem.makeDirectories(root + "/a/b/c")
        try FileSystem.makeDirectories(root + "//a/./b/")
        #expect(FileSystem.exists(root + "/a/b/c"))
        #expect(try FileSystem.list(root + "/a") == ["b"])
    }

    @Test func directoryOfAPath() {
        #expect(FileSystem.directory(of: "/etc/edge-recorder/config.json") == "/etc/edge-recorder")
        #expect(FileSystem.directory(of: "/config.json") == "/")
        #expect(FileSystem.directory(of: "config.json") == ".")
        #expect(FileSystem.directory(of: "pki/site.key") == "pki")
    }

    @Test func makeDirectoriesRefusesAFileInTheWay() throws {
        let root = try Fixtures.scratchDirectory("fs")
        try Fixtures.write([1], to: root + "/file")
        let error = #expect(throws: SystemError.self) { try FileSystem.makeDirectories(root + "/file/sub") }
        #expect(error?.code == ENOTDIR && error?.subject == root + "/file")
    }

    @Test func renameReplacesAndSyncDirectoryFlushes() throws {
        let root = try Fixtures.scratchDirectory("fs")
        try Fixtures.write([1, 2], to: root + "/new.tmp")
        try Fixtures.write([9], to: root + "/final")
        try FileSystem.rename(root + "/new.tmp", to: root + "/final")
        try FileSystem.syncDirectory(root)
        #expect(try FileSystem.readFile(root + "/final") == [1, 2])
        #expect(try FileSystem.list(root) == ["final"])
        let error = #expect(throws: SystemError.self) { try FileSystem.rename(root + "/new.tmp", to: root + "/x") }
        #expect(error?.code == ENOENT && error?.subject == "\(root)/new.tmp → \(root)/x")
        #expect(throws: SystemError.self) { try FileSystem.syncDirectory(root + "/final") }
    }

    @Test func listGivesEveryNameButDots() throws {
        let root = try Fixtures.scratchDirectory("fs")
        let names = (0..<40).map { "segment-\($0).mkv" } + ["é.json", ".hidden"]
        for name in names { try Fixtures.write([], to: root + "/" + name) }
        #expect(try FileSystem.list(root).sorted() == names.sorted())
        let error = #expect(throws: SystemError.self) { try FileSystem.list(root + "/none") }
        #expect(error?.code == ENOENT && error?.call == "opendir")
    }

    @Test func removeToleratesAMissingFile() throws {
        let root = try Fixtures.scratchDirectory("fs")
        try Fixtures.write([1], to: root + "/f")
        try FileSystem.remove(root + "/f")
        #expect(!FileSystem.exists(root + "/f"))
        try FileSystem.remove(root + "/f")
        let error = #expect(throws: SystemError.self) { try FileSystem.remove(root) }
        #expect(error?.code == EISDIR && error?.call == "unlink")
    }

    @Test func readFileStopsAtItsLimit() throws {
        let root = try Fixtures.scratchDirectory("fs")
        let bytes = [UInt8](repeating: 0x5A, count: 70_000)
        try Fixtures.write(bytes, to: root + "/big")
        #expect(try FileSystem.readFile(root + "/big", limit: 70_000) == bytes)
        let error = #expect(throws: SystemError.self) { try FileSystem.readFile(root + "/big", limit: 69_999) }
        #expect(error?.code == EFBIG && error?.subject == root + "/big")
        #expect(error?.description == "read \(root)/big: File too large (EFBIG)")
        try Fixtures.write([], to: root + "/empty")
        #expect(try FileSystem.readFile(root + "/empty", limit: 0) == [])
        let size = #expect(throws: SystemError.self) { try FileSystem.size(root + "/none") }
        #expect(size?.code == ENOENT && size?.call == "stat")
    }
}
