import EdgeSystem
import TestSupport
import Testing

/// A set of files replaced together: at every point a power cut can stop the switch, what
/// `recover` leaves is the whole old set or the whole new one, never a mix.
@Suite struct FileSetTests {
    struct Box {
        let root: String
        var paths: [String] { ["ca.pem", "site.pem", "site.key"].map { "\(root)/\($0)" } }
        var contents: [String] { paths.map { (try? FileSystem.readFile($0)).map { String(decoding: $0, as: UTF8.self) } ?? "missing" } }
        var leftovers: [String] { ((try? FileSystem.list(root)) ?? []).filter { $0.hasSuffix(".next") || $0.hasSuffix(".partial") } }

        init() throws {
            root = try Fixtures.scratchDirectory("fileset")
            for path in paths { try Fixtures.write(Array("old".utf8), to: path) }
        }
        var files: [FileSet.File] { paths.map { FileSet.File(path: $0, bytes: Array("new".utf8), mode: 0o600) } }
    }

    @Test func replaceSwitchesEveryFileAndLeavesNothingBeside() throws {
        let box = try Box()
        try FileSet.replace(box.files)
        #expect(box.contents == ["new", "new", "new"])
        #expect(box.leftovers.isEmpty)
        #expect(try FileSet.recover(box.paths) == false)
    }

    /// The switch is: stage the first files, stage the last, rename each in order. A cut
    /// after `done` of those steps, then `recover`.
    @Test(arguments: 0...6)
    func aCutAtAnyStepRecoversToOneWholeSet(done: Int) throws {
        let box = try Box()
        var steps: [() throws -> Void] = []
        for path in box.paths.dropLast() { steps.append { try FileSystem.writeAtomically(Array("new".utf8), to: path + ".next") } }
        steps.append { try FileSystem.writeAtomically(Array("new".utf8), to: box.paths[2] + ".next") }
        for path in box.paths { steps.append { try FileSystem.rename(path + ".next", to: path) } }
        for step in steps.prefix(done) { try step() }
        let finished = try FileSet.recover(box.paths)
        let stagedWhole = done >= 3
        #expect(finished == (stagedWhole && done < 6))
        #expect(box.contents == (stagedWhole ? ["new", "new", "new"] : ["old", "old", "old"]))
        #expect(box.leftovers.isEmpty)
    }

    @Test func aHalfWrittenStagedFileIsNeverUsed() throws {
        let box = try Box()
        // A cut inside writeAtomically of the last file: only its .partial exists.
        try FileSystem.writeAtomically(Array("new".utf8), to: box.paths[0] + ".next")
        try FileSystem.writeAtomically(Array("new".utf8), to: box.paths[1] + ".next")
        try Fixtures.write(Array("ne".utf8), to: box.paths[2] + ".next.partial")
        #expect(try FileSet.recover(box.paths) == false)
        #expect(box.contents == ["old", "old", "old"])
    }
}
