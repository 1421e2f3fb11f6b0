package org.refheap;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large live graph under a steady stream of cyclic garbage, in the low-latency mode: candidate
 * cycles in budgeted steps, one budget per idle gap, keep the peak of live bytes within 1.1x of
 * what a stop-the-world full collection after every burst gives, it does not grow over time, and the
 * work per gap does not grow with the heap (the candidate cycles examine the garbage and its
 * neighbourhood, a small fraction of the live objects). 200,000 live objects by default,
 * 1,200,000 with {@code -Drefheap.stress=true}.
 */
class CandidatePileUpTest {
    private static final boolean STRESS = Boolean.getBoolean("refheap.stress");
    private static final int LIVE = STRESS ? 1_200_000 : 200_000;
    private static final int ROUNDS = STRESS ? 200 : 100;
    private static final int GARBAGE_PAIRS = 1_000;
    private static final int REPLACED = 100;
    /**
     * Work per idle gap, in objects and child slots: a burst makes 2,100 roots (both ends of each
     * garbage pair, and each live node replaced) whose closures hold about 2,000 garbage objects and
     * a few hundred live ones (a replaced node links to a random live one, whose chain ends at
     * the first node not linked yet); a candidate cycle costs some ten units per object it
     * examines. So 40,000 units keep up with a burst per gap, whatever the size of the heap.
     */
    private static final long STEP_WORK = 40_000;

    @Test
    void shouldKeepGarbageBoundedWithBudgetedCandidateSteps() {
        long[] stw = run(false);
        long[] steps = run(true);
        System.out.printf("CandidatePileUpTest (%d live): peak bytes in use, full collection per burst %d, candidate"
                + " steps of %d units %d (%.3fx); steps: first half peak %d, second half peak %d; examined per round"
                + " %d%n", LIVE, stw[0], STEP_WORK, steps[0], (double) steps[0] / stw[0], steps[1], steps[2], steps[3]);
        assertTrue(steps[0] <= 1.1 * stw[0], "peak with candidate steps " + steps[0] + " vs stop-the-world " + stw[0]);
        assertTrue(steps[2] <= 1.02 * steps[1], "garbage piles up: second half peak " + steps[2] + " vs first "
                + steps[1]);
        assertTrue(steps[3] < LIVE / 10, "candidate cycles examined " + steps[3] + " objects per round, of " + LIVE);
    }

    /** Returns {peak, peak over the first half, peak over the second half, objects examined per round}. */
    private static long[] run(boolean candidates) {
        HeapConfig config = HeapConfig.defaults().withMaxBytes(1L << 30)
                .withCollectionMode(candidates ? CollectionMode.LOW_LATENCY : CollectionMode.GENERATIONAL);
        try (Heap heap = Heap.create(config)) {
            Gc gc = heap.gc();
            gc.disable();
            StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(
                    JAVA_LONG.withName("v"), ADDRESS.withName("next")));
            StructType.Field next = node.field("next");
            SplittableRandom rnd = new SplittableRandom(42);
            long live = heap.newList();
            long[] nodes = new long[LIVE];
            for (int i = 0; i < LIVE; i++) {
                long n = node.allocate();
                heap.lists().append(live, n);
                heap.decref(n);
                nodes[i] = n;
            }
            gc.collect(); // decides the roots the building buffered
            long peak = 0;
            long firstHalf = 0;
            long secondHalf = 0;
            long examinedBefore = gc.getCandidateStats().examined();
            for (int r = 0; r < ROUNDS; r++) {
                for (int i = 0; i < GARBAGE_PAIRS; i++) {
                    long a = node.allocate();
                    long b = node.allocate();
                    next.setRef(a, b);
                    next.setRef(b, a);
                    heap.decref(a);
                    heap.decref(b);
                }
                for (int i = 0; i < REPLACED; i++) {
                    // A new live node that points into the old graph: the old one it replaces dies.
                    long n = node.allocate();
                    next.setRef(n, nodes[rnd.nextInt(LIVE)]);
                    int at = rnd.nextInt(LIVE);
                    heap.lists().set(live, at, n);
                    heap.decref(n);
                    nodes[at] = n;
                }
                long used = heap.bytesInUse();
                peak = Math.max(peak, used);
                if (r < ROUNDS / 2) {
                    firstHalf = Math.max(firstHalf, used);
                } else {
                    secondHalf = Math.max(secondHalf, used);
                }
                if (candidates) {
                    gc.collectStepWork(STEP_WORK); // the idle gap
                } else {
                    gc.collect();
                }
            }
            long perRound = (gc.getCandidateStats().examined() - examinedBefore) / ROUNDS;
            heap.decref(live);
            gc.collect();
            assertEquals(0, heap.liveObjects());
            if (candidates) {
                assertEquals(0, gc.getStats().get(2).collections() - 2, "no full collection but the two by hand");
                assertTrue(gc.getCandidateStats().cycles() > ROUNDS / 2, "cycles: " + gc.getCandidateStats());
            }
            return new long[] {peak, firstHalf, secondHalf, perRound};
        }
    }

    /**
     * The low-latency mode collecting by itself, triggered by allocations: a large live graph and a
     * stream of cyclic garbage; garbage stays bounded and no full collection ever runs.
     */
    @Test
    void shouldKeepGarbageBoundedWithAutomaticCandidateCollection() {
        HeapConfig config = HeapConfig.defaults().withCollectionMode(CollectionMode.LOW_LATENCY);
        try (Heap heap = Heap.create(config)) {
            Gc gc = heap.gc();
            StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(
                    JAVA_LONG.withName("v"), ADDRESS.withName("next")));
            StructType.Field next = node.field("next");
            long live = heap.newList();
            for (int i = 0; i < LIVE / 4; i++) {
                long n = node.allocate();
                heap.lists().append(live, n);
                heap.decref(n);
            }
            long liveObjects = heap.liveObjects();
            long peak = 0;
            for (int i = 0; i < 500_000; i++) {
                long a = node.allocate();
                long b = node.allocate();
                next.setRef(a, b);
                next.setRef(b, a);
                heap.decref(a);
                heap.decref(b);
                peak = Math.max(peak, heap.liveObjects() - liveObjects);
            }
            CandidateStats st = gc.getCandidateStats();
            System.out.printf("CandidatePileUpTest automatic: at most %d garbage objects waited (of 1,000,000 made);"
                    + " %s; young collections %d%n", peak, st, gc.getStats().get(0).collections());
            assertEquals(0, gc.getStats().get(2).collections(), "no full collection");
            assertEquals(0, gc.getStats().get(1).collections(), "no collection of generation 1");
            assertTrue(peak < 100_000, "garbage waiting peaked at " + peak);
            heap.decref(live);
            gc.collect();
            assertEquals(0, heap.liveObjects());
        }
    }
}
