package org.refheap.alloc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.refheap.HeapExhaustedException;
import org.refheap.memory.Reservation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObmallocTest {
    private Reservation res;

    private Obmalloc allocator(long bytes, ReleasePolicy policy, long pretouch) {
        res = new Reservation(bytes, Obmalloc.ARENA_SIZE);
        return new Obmalloc(res, policy, pretouch);
    }

    @AfterEach
    void close() {
        if (res != null) {
            res.close();
        }
    }

    @Test
    void shouldHandOutDistinctAlignedBlocksThatDoNotOverlap() {
        Obmalloc m = allocator(128L << 20, ReleasePolicy.FOOTPRINT, 0);
        Random rnd = new Random(1);
        List<long[]> blocks = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            long n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 20_000 : 512);
            long b = m.malloc(n);
            assertEquals(0, b & 15, "alignment");
            assertTrue(m.usableSize(b) >= n);
            assertTrue(m.isAllocated(b));
            blocks.add(new long[] {b, m.usableSize(b)});
        }
        blocks.sort((x, y) -> Long.compare(x[0], y[0]));
        for (int i = 1; i < blocks.size(); i++) {
            assertTrue(blocks.get(i - 1)[0] + blocks.get(i - 1)[1] <= blocks.get(i)[0], "overlap at " + i);
        }
        long sum = blocks.stream().mapToLong(x -> x[1]).sum();
        assertEquals(sum, m.bytesInUse());
    }

    @Test
    void shouldReuseFreedBlocksLastInFirstOut() {
        Obmalloc m = allocator(4L << 20, ReleasePolicy.FOOTPRINT, 0);
        long keep = m.malloc(40); // keeps the pool in use: an empty pool goes back to its arena
        long a = m.malloc(40);
        long b = m.malloc(40);
        m.free(a);
        m.free(b);
        assertEquals(b, m.malloc(40));
        assertEquals(a, m.malloc(40));
        assertTrue(m.isAllocated(keep));
    }

    @Test
    void shouldReturnToZeroAndReleaseArenasWhenEverythingIsFreed() {
        Obmalloc m = allocator(256L << 20, ReleasePolicy.FOOTPRINT, 0);
        Random rnd = new Random(2);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            blocks.add(m.malloc(1 + rnd.nextInt(512)));
        }
        for (int i = 0; i < 300; i++) {
            blocks.add(m.malloc(513 + rnd.nextInt(100_000)));
        }
        blocks.add(m.malloc(3L << 20)); // a huge run of 3 arenas
        int peakArenas = m.arenasInUse();
        assertTrue(peakArenas > 10);
        java.util.Collections.shuffle(blocks, rnd);
        for (long b : blocks) {
            m.free(b);
        }
        assertEquals(0, m.bytesInUse());
        assertEquals(0, m.arenasInUse(), "cached blocks keep no arena");
        m.trimCaches();
        assertEquals(0, m.bytesInUse());
        assertEquals(0, m.arenasInUse());
        for (int i = 0; i < SizeClasses.NB_SMALL_SIZE_CLASSES; i++) {
            assertEquals(0, m.blocksInUse(i));
        }
        assertTrue(m.arenasReleased() >= peakArenas - 1, "released " + m.arenasReleased() + " of " + peakArenas);
        assertTrue(m.bytesCommitted() <= Obmalloc.ARENA_SIZE, "one spare arena stays committed: " + m.bytesCommitted());
    }

    @Test
    void shouldKeepEmptyArenasCommittedUnderTheLatencyPolicy() {
        Obmalloc m = allocator(64L << 20, ReleasePolicy.LATENCY, 0);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            blocks.add(m.malloc(100));
        }
        long committed = m.bytesCommitted();
        blocks.forEach(m::free);
        m.trimCaches();
        assertEquals(0, m.arenasInUse());
        assertEquals(0, m.arenasReleased());
        assertEquals(committed, m.bytesCommitted());
    }

    @Test
    void shouldPreferTheFullestArenaSoThatOthersDrain() {
        Obmalloc m = allocator(16L << 20, ReleasePolicy.FOOTPRINT, 0);
        // Fill three arenas with 512-byte blocks, one pool holds 31.
        int perArena = 31 * Obmalloc.POOLS_PER_ARENA;
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 3 * perArena; i++) {
            blocks.add(m.malloc(512));
        }
        assertEquals(3, m.arenasInUse());
        // Empty most of arena 0 and a little of arena 1 (whole pools at a time); the block caches
        // are trimmed so that the pools really empty.
        for (int i = 0; i < perArena - 31; i++) {
            m.free(blocks.get(i));
        }
        for (int i = perArena; i < perArena + 31 * 4; i++) {
            m.free(blocks.get(i));
        }
        m.trimCaches();
        // New pools come from arena 1, the fuller one, not from arena 0.
        long arena1 = blocks.get(perArena) & -(long) Obmalloc.ARENA_SIZE;
        for (int i = 0; i < 31 * 4; i++) {
            long b = m.malloc(512);
            assertEquals(arena1, b & -(long) Obmalloc.ARENA_SIZE, "allocation " + i + " should fill arena 1");
        }
    }

    @Test
    void shouldFailClearlyAtTheLimitAndStayUsable() {
        Obmalloc m = allocator(4L << 20, ReleasePolicy.FOOTPRINT, 0);
        List<Long> blocks = new ArrayList<>();
        HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> {
            while (true) {
                blocks.add(m.malloc(256));
            }
        });
        assertTrue(e.getMessage().contains("256 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(4L << 20)), e.getMessage());
        assertThrows(HeapExhaustedException.class, () -> m.malloc(5L << 20));
        long before = m.bytesInUse();
        m.free(blocks.remove(blocks.size() - 1));
        assertEquals(before - 256, m.bytesInUse());
        blocks.add(m.malloc(256));
        Set<Long> distinct = new HashSet<>(blocks);
        assertEquals(blocks.size(), distinct.size());
        blocks.forEach(m::free);
        assertEquals(0, m.bytesInUse());
    }

    @Test
    void shouldCommitPretouchedArenasAndNeverReleaseThem() {
        Obmalloc m = allocator(16L << 20, ReleasePolicy.FOOTPRINT, 3L << 20);
        assertEquals(3L << 20, m.bytesCommitted());
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 60_000; i++) {
            blocks.add(m.malloc(64));
        }
        blocks.forEach(m::free);
        assertTrue(m.bytesCommitted() >= 3L << 20);
    }

    @Test
    void shouldFindRunsFirstFit() {
        long[] bits = new long[4];
        assertEquals(0, Obmalloc.findRun(bits, 256));
        bits[0] = 0b1011;
        assertEquals(2, Obmalloc.findRun(bits, 1));
        assertEquals(4, Obmalloc.findRun(bits, 2));
        bits[3] = 1L << 63;
        assertEquals(-1, Obmalloc.findRun(bits, 253));
        assertEquals(4, Obmalloc.findRun(bits, 251));
    }

    @Test
    void shouldNotTakeFreedOrForeignAddressesForBlocks() {
        Obmalloc m = allocator(4L << 20, ReleasePolicy.FOOTPRINT, 0);
        long b = m.malloc(48);
        assertFalse(m.isAllocated(b + 16));
        assertFalse(m.isAllocated(b + 48 * 100));
        assertFalse(m.isAllocated(res.base() - 16));
        long big = m.malloc(10_000);
        assertTrue(m.isAllocated(big));
        m.free(big);
        assertFalse(m.isAllocated(big));
    }

    @Test
    void shouldKeepArenaMetadataProportionalToArenasUsedNotToTheReservation() {
        // 64 TiB: the most HeapConfig allows. MAP_NORESERVE makes the address space itself free; arrays
        // sized for all 64 Mi arenas would be gigabytes of Java heap.
        Obmalloc m = allocator(1L << 46, ReleasePolicy.FOOTPRINT, 0);
        assertEquals(1 << 26, m.maxArenas());
        assertTrue(m.metadataBytes() < 4096, "before any allocation: " + m.metadataBytes());
        Random rnd = new Random(3);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            blocks.add(m.malloc(1 + rnd.nextInt(512)));
        }
        for (int i = 0; i < 100; i++) {
            blocks.add(m.malloc(513 + rnd.nextInt(100_000)));
        }
        blocks.add(m.malloc(5L << 20)); // a huge run
        int arenas = m.arenasInUse();
        long metadata = m.metadataBytes();
        assertTrue(metadata < 200L * arenas + 16 * 1024, metadata + " bytes of metadata for " + arenas + " arenas");
        long beyond = res.base() + (1L << 45);
        assertFalse(m.isAllocated(beyond), "an arena never claimed is free");
        assertThrows(IllegalArgumentException.class, () -> m.usableSize(beyond));
        for (long b : blocks) {
            assertTrue(m.isAllocated(b));
            m.free(b);
        }
        m.trimCaches();
        assertEquals(0, m.bytesInUse());
        assertEquals(metadata, m.metadataBytes(), "freeing shrinks nothing and grows nothing");
    }

    @Test
    void shouldReleaseArenasWhenBlocksDieInRandomOrderWithoutTrimmingTheCaches() {
        Obmalloc m = allocator(256L << 20, ReleasePolicy.FOOTPRINT, 0);
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        List<Long> blocks = new ArrayList<>();
        while (m.bytesInUse() < 64L << 20) {
            blocks.add(m.malloc(1 + rnd.nextInt(512)));
        }
        long peak = m.bytesCommitted();
        java.util.Collections.shuffle(blocks, rnd);
        // Free all but a tenth, then the rest: at each stage the caches must hold no arena.
        int keep = blocks.size() / 10;
        for (long b : blocks.subList(keep, blocks.size())) {
            m.free(b);
        }
        long live = m.bytesInUse();
        assertTrue(m.arenasInUse() < 70, "seed " + seed + ": " + m.arenasInUse() + " arenas for " + live + " bytes");
        for (long b : blocks.subList(0, keep)) {
            m.free(b);
        }
        assertEquals(0, m.bytesInUse());
        assertEquals(0, m.arenasInUse(), "seed " + seed);
        assertTrue(m.bytesCommitted() <= Obmalloc.ARENA_SIZE,
                "seed " + seed + ": " + m.bytesCommitted() + " bytes committed of " + peak + " at the peak");
    }

    @Test
    void shouldServeALoopOfFreeAndMallocFromTheCache() {
        Obmalloc m = allocator(16L << 20, ReleasePolicy.FOOTPRINT, 0);
        long keep = m.malloc(100);
        long b = m.malloc(100);
        for (int i = 0; i < 1000; i++) {
            m.free(b);
            assertEquals(b, m.malloc(100), "iteration " + i);
        }
        // The head pool's last block in use goes to the cache too while another pool keeps the arena.
        long other = m.malloc(300);
        m.free(keep);
        m.free(b);
        assertEquals(b, m.malloc(100), "reused from the cache although nothing else of its pool is in use");
        m.free(b);
        assertEquals(1, m.arenasInUse());
        // Once the other pool empties, the cache alone would hold the arena: it is released instead.
        m.free(other);
        assertEquals(0, m.arenasInUse());
        assertEquals(0, m.bytesInUse());
    }

    /** An allocator with blocks on a pool's free list (not only in the cache) and one block cached. */
    private Obmalloc withFreeList() {
        Obmalloc m = allocator(16L << 20, ReleasePolicy.FOOTPRINT, 0);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            blocks.add(m.malloc(64));
        }
        for (int i = 10; i < 60; i += 2) {
            m.free(blocks.get(i));
        }
        m.trimCaches();
        m.free(blocks.get(61));
        m.malloc(2000);
        m.malloc(3L << 20);
        m.verify();
        return m;
    }

    private static void assertCaught(Obmalloc m, String expected) {
        IllegalStateException e = assertThrows(IllegalStateException.class, m::verify);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void shouldCatchAWrongPoolCount() {
        Obmalloc m = withFreeList();
        long pool = res.base(); // the first pool of the first arena
        res.segment().set(java.lang.foreign.ValueLayout.JAVA_INT, PoolHeader.COUNT,
                res.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, PoolHeader.COUNT) + 1);
        assertCaught(m, "pool 0x" + Long.toHexString(pool) + " (arena 0, class 3) has count 76 but 101 carved blocks");
    }

    @Test
    void shouldCatchACycleInAFreeList() {
        Obmalloc m = withFreeList();
        long first = res.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, PoolHeader.FREEBLOCK);
        long second = ~res.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, first - res.base());
        res.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, second - res.base(), ~first);
        assertCaught(m, "free list passes block 0x" + Long.toHexString(first) + " twice");
    }

    @Test
    void shouldCatchAFreeListLeavingItsPool() {
        Obmalloc m = withFreeList();
        long first = res.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, PoolHeader.FREEBLOCK);
        res.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, first - res.base(), ~(first + 8));
        assertCaught(m, "free list reaches 0x" + Long.toHexString(first + 8) + ", not a carved block");
    }

    @Test
    void shouldCatchAPoolHeaderNamingAnotherClass() {
        Obmalloc m = withFreeList();
        res.segment().set(java.lang.foreign.ValueLayout.JAVA_INT, PoolHeader.SZIDX, 5);
        assertThrows(IllegalStateException.class, m::verify);
    }

    @Test
    void shouldCatchABrokenUsedPoolLink() {
        Obmalloc m = withFreeList();
        res.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, PoolHeader.PREVPOOL, res.base() + Obmalloc.POOL_SIZE);
        assertCaught(m, "prevpool is 0x");
    }
}
