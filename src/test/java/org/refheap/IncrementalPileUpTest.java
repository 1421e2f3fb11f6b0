package org.refheap;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under a steady stream of cyclic garbage, pause-bounded steps alone keep up: the peak of live bytes
 * stays within 1.1x of what a stop-the-world collection in every gap gives, and does not grow over
 * time. (CPython 3.14's incremental collector was withdrawn in 3.14.5 because memory grew up to 5x.)
 */
class IncrementalPileUpTest {
    private static final int LIVE = 50_000;
    private static final int GARBAGE_PAIRS = 1_000;
    private static final int ROUNDS = 300;
    /**
     * Work per idle gap: about half of one cycle over this heap (a cycle costs about five units per
     * object: snapshot, subtract, mark twice, sweep; and two per reference: subtract and mark visit
     * each; here ~470k units). Garbage made while a cycle runs waits for the next, so the garbage held
     * at the peak is what about two cycles let accumulate: with cycles of two gaps, a few rounds of
     * it, within 10% here. With a tenth of the budget a cycle takes ~30 gaps and ~30 rounds of garbage
     * wait, over twice the memory: the budget must match the garbage rate, and
     * {@code getIncrementalStats()} tells how long cycles take.
     */
    private static final long STEP_WORK = 250_000;

    @Test
    void shouldKeepPeakMemoryWithinTenPercentOfStopTheWorld() {
        long[] stw = run(false);
        long[] steps = run(true);
        System.out.printf("IncrementalPileUpTest: peak bytes in use, stop-the-world %d, budgeted steps %d (%.3fx);"
                + " steps: first half peak %d, second half peak %d%n", stw[0], steps[0], (double) steps[0] / stw[0],
                steps[1], steps[2]);
        assertTrue(steps[0] <= 1.1 * stw[0], "peak with budgeted steps " + steps[0] + " vs stop-the-world " + stw[0]);
        assertTrue(steps[2] <= 1.02 * steps[1], "garbage piles up: second half peak " + steps[2] + " vs first " + steps[1]);
    }

    /** Returns {peak, peak over the first half of the rounds, peak over the second half}. */
    private static long[] run(boolean budgeted) {
        try (Heap heap = Heap.create()) {
            Gc gc = heap.gc();
            gc.disable();
            StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(
                    JAVA_LONG.withName("v"), ADDRESS.withName("next")));
            StructType.Field next = node.field("next");
            SplittableRandom rnd = new SplittableRandom(42);
            long live = heap.newList();
            for (int i = 0; i < LIVE; i++) {
                long n = node.allocate();
                heap.lists().append(live, n);
                heap.decref(n);
            }
            gc.collect();
            long peak = 0;
            long firstHalf = 0;
            long secondHalf = 0;
            for (int r = 0; r < ROUNDS; r++) {
                // A burst: cyclic garbage, and some of the live set replaced (its old members die by count).
                for (int i = 0; i < GARBAGE_PAIRS; i++) {
                    long a = node.allocate();
                    long b = node.allocate();
                    next.setRef(a, b);
                    next.setRef(b, a);
                    heap.decref(a);
                    heap.decref(b);
                }
                for (int i = 0; i < 100; i++) {
                    long n = node.allocate();
                    heap.lists().set(live, rnd.nextInt(LIVE), n);
                    heap.decref(n);
                }
                long used = heap.bytesInUse();
                peak = Math.max(peak, used);
                if (r < ROUNDS / 2) {
                    firstHalf = Math.max(firstHalf, used);
                } else {
                    secondHalf = Math.max(secondHalf, used);
                }
                // The idle gap.
                if (budgeted) {
                    gc.collectStepWork(STEP_WORK);
                } else {
                    gc.collect();
                }
            }
            heap.decref(live);
            gc.collect();
            assertEquals(0, heap.liveObjects());
            if (budgeted) {
                assertTrue(gc.getIncrementalStats().cycles() > ROUNDS / 10, "cycles: " + gc.getIncrementalStats());
            }
            return new long[] {peak, firstHalf, secondHalf};
        }
    }
}
