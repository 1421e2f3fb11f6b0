package org.refheap.alloc;

import org.junit.jupiter.api.Test;
import org.refheap.HeapExhaustedException;
import org.refheap.memory.Reservation;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random programs of malloc, free and trimCaches against a Java set of the blocks handed out. Every
 * few steps {@link Obmalloc#verify} must pass and {@link Obmalloc#forEachAllocatedBlock} must list
 * exactly the model's blocks; every block carries its own address at offset 8 and must still carry
 * it when it is freed (no two blocks overlap). Heaps are small, so programs also run into the limit.
 *
 * <p>Replay a failure with {@code -Drefheap.seed=<seed printed>}.
 */
class ObmallocModelTest {

    /** One program; returns a description of what it did, for the failure message. */
    static final class Program {
        final long seed;
        final Random rnd;
        final Reservation res;
        final MemorySegment seg;
        final Obmalloc m;
        final List<Long> live = new ArrayList<>();
        long liveBytes;
        int exhausted;
        /** Whether programs run with a quarantine, poisoning blocks before they free them as the heap does. */
        boolean quarantine;

        Program(long seed, long heapBytes, ReleasePolicy policy, long pretouch) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.res = new Reservation(heapBytes, Obmalloc.ARENA_SIZE);
            this.seg = res.segment();
            this.m = new Obmalloc(res, policy, pretouch);
        }

        /** A request size: mostly small, sometimes a page run, rarely a huge run. */
        long size() {
            int r = rnd.nextInt(1000);
            if (r < 850) {
                // A few classes get most requests, so that their pools fill, empty and change heads.
                return rnd.nextBoolean() ? 1 + rnd.nextInt(512) : 16 * (1 + rnd.nextInt(4));
            }
            if (r < 995) {
                return 513 + rnd.nextInt(rnd.nextBoolean() ? 8192 : Obmalloc.ARENA_SIZE - 513);
            }
            return Obmalloc.ARENA_SIZE + 1 + rnd.nextInt(3 * Obmalloc.ARENA_SIZE);
        }

        void malloc() {
            long n = size();
            long b;
            try {
                b = m.malloc(n);
            } catch (HeapExhaustedException e) {
                exhausted++;
                return;
            }
            assertTrue(m.isAllocated(b), () -> "fresh block 0x" + Long.toHexString(b) + " " + this);
            assertTrue(m.usableSize(b) >= n);
            seg.set(JAVA_LONG, b - res.base() + 8, b);
            live.add(b);
            liveBytes += m.usableSize(b);
        }

        void free() {
            int i = rnd.nextInt(live.size());
            long b = live.get(i);
            live.set(i, live.get(live.size() - 1));
            live.remove(live.size() - 1);
            assertEquals(b, seg.get(JAVA_LONG, b - res.base() + 8), () -> "block 0x" + Long.toHexString(b)
                    + " was overwritten while in use: " + this);
            liveBytes -= m.usableSize(b);
            if (quarantine) {
                seg.asSlice(b - res.base(), m.usableSize(b)).fill(Obmalloc.DEAD_BYTE);
            }
            m.free(b);
            if (quarantine && m.quarantinedBytes() > 0) {
                assertTrue(!m.isAllocated(b), () -> "0x" + Long.toHexString(b) + " was just freed: " + this);
            }
        }

        void check() {
            m.verify();
            Set<Long> listed = new HashSet<>();
            m.forEachAllocatedBlock(b -> assertTrue(listed.add(b), "listed twice: 0x" + Long.toHexString(b)));
            assertEquals(new HashSet<>(live), listed, this::toString);
            assertEquals(liveBytes, m.bytesInUse(), this::toString);
        }

        void run(int steps) {
            try {
                for (int step = 0; step < steps; step++) {
                    int r = rnd.nextInt(1000);
                    // Phases: grow, then shrink, so that arenas fill and drain again.
                    boolean growing = (step / 2000) % 2 == 0;
                    if (r < 2) {
                        m.trimCaches();
                    } else if (quarantine && r < 4) {
                        // Change the limit now and then: lower frees the oldest, 0 frees all, flush too.
                        int what = rnd.nextInt(4);
                        if (what == 0) {
                            m.flushQuarantine();
                        } else {
                            m.setQuarantine(what == 1 ? 0 : rnd.nextInt(4 << 20));
                            quarantine = true; // still poisoning: a later change may turn it on again
                        }
                    } else if (live.isEmpty() || r < (growing ? 600 : 400)) {
                        malloc();
                    } else {
                        free();
                    }
                    if (step % 500 == 0) {
                        check();
                    }
                }
                check();
                while (!live.isEmpty()) {
                    free();
                    if (live.size() % 1000 == 0) {
                        check();
                    }
                }
                check();
                if (quarantine) {
                    m.flushQuarantine(); // what it holds keeps arenas, by design
                    check();
                }
                assertEquals(0, m.arenasInUse(), "caches alone hold no arena: " + this);
            } finally {
                res.close();
            }
        }

        @Override
        public String toString() {
            return "seed " + seed + ", " + live.size() + " blocks live, " + exhausted + " exhausted (replay: -Drefheap.seed="
                    + seed + ")";
        }
    }

    @Test
    void shouldVerifyAndListExactlyTheLiveBlocksThroughRandomPrograms() {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        System.out.println("ObmallocModelTest seed " + seed + " (replay: -Drefheap.seed=" + seed + ")");
        Random seeds = new Random(seed);
        new Program(seeds.nextLong(), 64L << 20, ReleasePolicy.FOOTPRINT, 0).run(30_000);
        new Program(seeds.nextLong(), 24L << 20, ReleasePolicy.FOOTPRINT, 3L << 20).run(30_000);
        new Program(seeds.nextLong(), 24L << 20, ReleasePolicy.LATENCY, 0).run(30_000);
    }

    @Test
    void shouldVerifyAndListExactlyTheLiveBlocksWithTheQuarantineOn() {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        System.out.println("ObmallocModelTest quarantine seed " + seed + " (replay: -Drefheap.seed=" + seed + ")");
        Random seeds = new Random(seed);
        for (long limit : new long[] {64 * 1024, 2L << 20, 16L << 20}) {
            Program p = new Program(seeds.nextLong(), 24L << 20, ReleasePolicy.FOOTPRINT, 0);
            p.quarantine = true;
            p.m.setQuarantine(limit);
            p.run(20_000);
        }
    }
}
