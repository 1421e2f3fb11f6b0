package org.refheap.alloc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.refheap.memory.Reservation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuarantineTest {
    private Reservation res;

    private Obmalloc allocator(long bytes) {
        res = new Reservation(bytes, Obmalloc.ARENA_SIZE);
        return new Obmalloc(res, ReleasePolicy.FOOTPRINT, 0);
    }

    @AfterEach
    void close() {
        if (res != null) {
            res.close();
        }
    }

    /** What the heap does in debug mode: poison the whole block, then free it. */
    private void poisonAndFree(Obmalloc m, long block) {
        res.segment().asSlice(block - res.base(), m.usableSize(block)).fill(Obmalloc.DEAD_BYTE);
        m.free(block);
    }

    @Test
    void shouldKeepAFreedBlockFromReuseUntilTheQuarantineIsFull() {
        Obmalloc m = allocator(16L << 20);
        m.setQuarantine(64 * 1024);
        long keep = m.malloc(48);
        long b = m.malloc(48);
        poisonAndFree(m, b);
        assertFalse(m.isAllocated(b), "a quarantined block is not allocated");
        assertTrue(m.isAllocated(keep));
        // Each round frees one more 48-byte block; b comes back only once 64 KiB of frees pushed it out.
        int rounds = 0;
        long c;
        while ((c = m.malloc(48)) != b) {
            poisonAndFree(m, c);
            rounds++;
            assertTrue(rounds < 100_000, "b never came back");
        }
        assertTrue(rounds >= 64 * 1024 / 48 - 1, "b was reused after only " + rounds + " frees");
        assertTrue(m.isAllocated(b));
        m.verify();
    }

    @Test
    void shouldTakeFreedBlocksOutOfTheFiguresAtOnce() {
        Obmalloc m = allocator(32L << 20);
        m.setQuarantine(16L << 20);
        long small = m.malloc(100);
        long pages = m.malloc(10_000);
        long huge = m.malloc(3L << 20);
        long before = m.bytesInUse();
        poisonAndFree(m, small);
        poisonAndFree(m, pages);
        poisonAndFree(m, huge);
        assertEquals(0, m.bytesInUse(), "of " + before);
        assertEquals(0, m.blocksInUse(SizeClasses.index(100)));
        assertEquals(0, m.largeRunsInUse());
        assertEquals(0, m.largeBytesInUse());
        assertEquals(before, m.quarantinedBytes());
        for (long b : new long[] {small, pages, huge}) {
            assertFalse(m.isAllocated(b), "0x" + Long.toHexString(b));
        }
        Set<Long> listed = new HashSet<>();
        m.forEachAllocatedBlock(listed::add);
        assertTrue(listed.isEmpty(), "quarantined blocks are not allocated: " + listed);
        m.verify();
        assertTrue(m.arenasInUse() > 0, "the quarantine keeps its blocks' memory");
        m.flushQuarantine();
        assertEquals(0, m.quarantinedBytes());
        assertEquals(0, m.arenasInUse());
        m.verify();
    }

    @Test
    void shouldReportAWriteAfterFreeFromVerifyNotFromFree() {
        Obmalloc m = allocator(16L << 20);
        m.setQuarantine(1L << 20);
        long keep = m.malloc(64);
        long b = m.malloc(64);
        poisonAndFree(m, b);
        res.segment().set(JAVA_BYTE, b - res.base() + 40, (byte) 0x2a); // a stale pointer writes
        IllegalStateException e = assertThrows(IllegalStateException.class, m::verify);
        assertTrue(e.getMessage().contains("write after free: byte 40 of the 64-byte block at 0x" + Long.toHexString(b)),
                e.getMessage());
        assertTrue(e.getMessage().contains("0x2a"), e.getMessage());
        assertTrue(m.isAllocated(keep));
    }

    @Test
    void shouldCatchAWriteAfterFreeWhenTheBlockLeavesTheQuarantine() {
        Obmalloc m = allocator(16L << 20);
        m.setQuarantine(4096);
        long b = m.malloc(10_000); // a page run, larger than the quarantine: it leaves at once
        long keep = m.malloc(10_000);
        res.segment().asSlice(b - res.base(), m.usableSize(b)).fill(Obmalloc.DEAD_BYTE);
        res.segment().set(JAVA_LONG, b - res.base() + 8192, 7L); // written after poisoning, before free
        assertDoesNotThrow(() -> m.free(b));
        assertEquals(0, m.quarantinedBytes());
        IllegalStateException e = assertThrows(IllegalStateException.class, m::verify);
        assertTrue(e.getMessage().contains("byte 8192 of the 12288-byte block at 0x" + Long.toHexString(b)),
                e.getMessage());
        assertTrue(m.isAllocated(keep));
    }

    @Test
    void shouldIgnoreTheFirstSixteenBytesWhichTheHeapMayStillWrite() {
        Obmalloc m = allocator(16L << 20);
        m.setQuarantine(1L << 20);
        long b = m.malloc(32);
        poisonAndFree(m, b);
        res.segment().set(JAVA_LONG, b - res.base(), -1L);
        res.segment().set(JAVA_LONG, b - res.base() + 8, 0L);
        m.verify();
        // A caller that does not poison turns the check off.
        m.setQuarantine(1L << 20, -1);
        long c = m.malloc(32);
        m.free(c);
        m.verify();
    }

    @Test
    void shouldFreeTheQuarantineBeforeRunningOutOfMemory() {
        Obmalloc m = allocator(8L << 20);
        m.setQuarantine(6L << 20);
        // Without reclaiming, 6 MiB held back in an 8 MiB heap would exhaust it within a few rounds.
        for (int i = 0; i < 200; i++) {
            poisonAndFree(m, m.malloc(100_000));
            poisonAndFree(m, m.malloc(300));
            if (i % 50 == 0) {
                poisonAndFree(m, m.malloc(3L << 20));
            }
        }
        m.verify();
        assertTrue(m.quarantinedBytes() <= 6L << 20);
    }

    @Test
    void shouldReleaseEverythingWhenTurnedOff() {
        Obmalloc m = allocator(16L << 20);
        m.setQuarantine(8L << 20);
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            blocks.add(m.malloc(1 + i % 512));
        }
        blocks.forEach(b -> poisonAndFree(m, b));
        assertTrue(m.quarantinedBytes() > 0);
        m.verify();
        m.setQuarantine(0);
        assertEquals(0, m.quarantinedBytes());
        assertEquals(0, m.arenasInUse());
        m.verify();
        long b = m.malloc(48);
        m.free(b);
        assertEquals(b, m.malloc(48), "off again: the cache serves the block just freed");
    }

    @Test
    void shouldRefuseNegativeLimitsByValue() {
        Obmalloc m = allocator(4L << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.setQuarantine(-5));
        assertTrue(e.getMessage().contains("-5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.setQuarantine(1024, -2));
    }

    @Test
    void shouldKeepRingAndSetInStepLikeADequeAndAHashSet() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        Quarantine q = new Quarantine();
        ArrayDeque<Long> fifo = new ArrayDeque<>();
        Set<Long> set = new HashSet<>();
        long bytes = 0;
        int maxCount = 0;
        for (int step = 0; step < 200_000; step++) {
            if (fifo.isEmpty() || rnd.nextInt(100) < 52 - (step / 20_000) % 2 * 10) {
                long b;
                do {
                    b = (1L << 40) + 16L * rnd.nextInt(1 << 16); // dense, to make probe chains collide
                } while (set.contains(b));
                q.add(b, b & 0xff0);
                fifo.add(b);
                set.add(b);
                bytes += b & 0xff0;
            } else {
                long b = fifo.poll();
                assertEquals(b, q.oldestBlock(), "seed " + seed);
                assertEquals(b & 0xff0, q.oldestSize());
                q.removeOldest();
                set.remove(b);
                bytes -= b & 0xff0;
            }
            assertEquals(fifo.size(), q.count());
            maxCount = Math.max(maxCount, q.count());
            assertEquals(bytes, q.bytes());
            long probe = (1L << 40) + 16L * rnd.nextInt(1 << 16);
            assertEquals(set.contains(probe), q.contains(probe), "seed " + seed + " step " + step);
        }
        int i = 0;
        for (long b : fifo) {
            assertEquals(b, q.block(i++));
            assertTrue(q.contains(b));
        }
        // The walk must have grown the ring well past its first size (it may end empty: a random walk).
        assertTrue(maxCount > 256, "largest ring: " + maxCount + ", seed " + seed);
    }
}
