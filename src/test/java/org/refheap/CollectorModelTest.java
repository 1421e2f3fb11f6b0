package org.refheap;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random graph programs with roots (the references the program holds), run on refheap and on the
 * model, with collections of random generations between the steps. After every collection: nothing
 * reachable from the roots freed; after a full one, nothing unreachable left and the count returned
 * equal to the unreachable tracked objects; after every step, counts, contents and bytes agree. At
 * the end the roots are dropped and one collection must leave the heap empty.
 *
 * <p>Replay with {@code -Drefheap.seed=<seed printed>}; {@code make stress} runs many more.
 */
class CollectorModelTest {
    @Test
    void shouldCollectExactlyWhatTheModelCannotReach() {
        run(false, RefcountModelTest.STRESS ? 100_000 : 10_000);
    }

    /**
     * The low-latency mode: candidate roots buffered by every decref, gc.collectCandidates() among
     * the collections (half the programs with closure limits of 1-20 objects, so that roots are left
     * to full cycles); at the end candidate cycles alone must free everything.
     */
    @Test
    void shouldCollectWithCandidateRootsOnlyWhatTheModelCannotReach() {
        run(true, RefcountModelTest.STRESS ? 30_000 : 2_000);
    }

    private static void run(boolean candidates, int defaultPrograms) {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        int programs = Integer.getInteger("refheap.programs", defaultPrograms);
        System.out.println("CollectorModelTest" + (candidates ? " (candidates)" : "") + " seed=" + seed + " programs="
                + programs + " (replay: -Drefheap.seed=" + seed + ")");
        Random master = new Random(seed);
        long collected = 0;
        for (int p = 0; p < programs; p++) {
            long ps = RefcountModelTest.PROGRAM_SEED != null ? RefcountModelTest.PROGRAM_SEED : master.nextLong();
            if (RefcountModelTest.PROGRAM_SEED != null && p > 0) {
                break;
            }
            RefcountModelTest.Program prog = new RefcountModelTest.Program(ps, true, candidates);
            int steps = 50 + prog.rnd.nextInt(300);
            try {
                for (int s = 0; s < steps; s++) {
                    prog.step();
                    if (RefcountModelTest.VERIFY_ALL) {
                        prog.heap.verify();
                    }
                    prog.check();
                }
                prog.teardownByCollection();
            } catch (Throwable t) {
                RefcountModelTest.saveLog(prog, ps);
                String tail = prog.log.length() > 3000 ? prog.log.substring(prog.log.length() - 3000) : prog.log.toString();
                fail("program " + p + " (program seed " + ps + ", master seed " + seed + ") failed: " + t
                        + "\nlast operations:\n" + tail, t);
            }
            collected += prog.collectedTotal;
        }
        System.out.println("CollectorModelTest: " + collected + " unreachable objects collected in all");
        assertTrue(collected > programs || RefcountModelTest.PROGRAM_SEED != null, "the programs made cyclic garbage: "
                + collected);
    }
}
