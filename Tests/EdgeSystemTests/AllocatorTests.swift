import EdgeSystem
import Testing

@Suite struct AllocatorTests {
    /// glibc takes both settings (on a C library without them the daemon only logs it).
    @Test(.enabled(if: Allocator.isGlibc, "the allocator settings are glibc's"))
    func glibcTakesTheDaemonsSettings() {
        #expect(Allocator.tuneForDaemon())
        // A large block, freed: with the threshold fixed it is unmapped, not kept.
        let block = UnsafeMutableRawPointer.allocate(byteCount: 4 << 20, alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 1, count: 4 << 20)
        block.deallocate()
    }
}
