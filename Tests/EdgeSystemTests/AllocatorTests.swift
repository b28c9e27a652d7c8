import EdgeSystem
import Testing

@Suite struct AllocatorTests {
    /// glibc takes both settings (on a C library without them the daemon only logs it).
    @Test(.enabled(if: Allocator.isGlibc, "the allocator settings are glibc's"))
    func glibcTakesTheDaemonsSettings() {
        #expect(Allocator.tuneForDaemon())
    }
}
