import EdgeSystem
import Sealer
import TestSupport
import Testing

@Suite("The open segment reaches the disk as it is recorded")
struct SyncIntervalTests {
    @Test("sealed chunks are on disk at most 64 KiB and one fsync interval behind the footage")
    func partialGrowsAsChunksAreSealed() throws {
        let interval = Duration.seconds(2)
        let h = try RingHarness("clip-320x240-25fps.mjpeg", .mjpeg, length: .seconds(60), syncInterval: interval)
        var history: [(at: MonotonicInstant, plaintext: Int)] = []
        var sizes: [Int64] = []
        var payload: Int?
        try h.start()
        // 240 frames: 9.6 s on the manual clock, all in one open segment.
        try h.feed(240) { _ in
            let output = try #require(h.store.open)
            let now = h.time.monotonicNow()
            history.append((now, output.plaintextBytes))
            let size = try FileSystem.size(output.partialPath)
            sizes.append(size)
            if payload == nil { payload = AgeFile.payloadOffset(try FileSystem.readFile(output.partialPath)) }
            let sealed = max(0, size - Int64(payload ?? Int(size)))
            // Only whole sealed chunks reach the disk: the open chunk may still be the last.
            #expect(sealed % Int64(AgeFile.sealedChunkSize) == 0, "\(size) bytes on disk")
            let onDisk = Int(sealed) / AgeFile.sealedChunkSize * AgeFile.chunkSize
            let intervalAgo = history.last { $0.at <= MonotonicInstant(nanoseconds: now.nanoseconds - interval.nanoseconds) }
            let allowed = AgeFile.chunkSize + output.plaintextBytes - (intervalAgo?.plaintext ?? 0)
            #expect(output.plaintextBytes - onDisk <= allowed, "at \(now): \(output.plaintextBytes) written, \(onDisk) on disk")
        }
        let total = try #require(history.last).plaintext
        #expect(total > 8 * AgeFile.chunkSize)
        // The file grew while recording, not at the end: at least once an interval.
        #expect(Set(sizes).count >= 4)
        #expect(sizes == sizes.sorted())
        try h.segmenter.close(.shutdown)
        #expect(try h.verify().isIntact)
    }
}
