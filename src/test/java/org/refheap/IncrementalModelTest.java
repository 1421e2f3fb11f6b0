package org.refheap;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The pause-bounded collector against the model: random programs whose mutations are interleaved
 * with collection steps of a few objects of work each. After every step, whatever the heap freed must
 * be unreachable in the model; after every mutation, every reachable object agrees with the model;
 * at the end, all garbage has been freed (the heap is empty once the roots are dropped).
 *
 * <p>The programs also read weakrefs (a referent the weakref returns must be live in the model, and
 * the program may keep it; None only for a referent freed or unreachable), use addresses they kept
 * without a reference (the heap may refuse only a freed object or, past the mark, a condemned one;
 * what it accepts is reachable again and must survive), ask gc.get_objects() and get_referrers(),
 * and a quarter of them run heap.verify() after every step and collection.
 *
 * <p>Replay with {@code -Drefheap.seed=<seed printed>}; {@code make stress} runs ten times more.
 */
class IncrementalModelTest {
    @Test
    void shouldNeverFreeWhatIsReachableWhileTheProgramMutatesBetweenSteps() {
        run(false, RefcountModelTest.STRESS ? 50_000 : 5_000);
    }

    /**
     * The low-latency mode: the steps run candidate cycles over the closure of the roots the
     * program's decrefs buffered (and full cycles for roots whose closure was cut: half the programs
     * have closure limits of 1-20), with stop-the-world gc.collectCandidates() and young collections
     * between them. At the end, candidate cycles alone must free everything.
     */
    @Test
    void shouldNeverFreeWhatIsReachableWhileCandidateCyclesRunBetweenMutations() {
        run(true, RefcountModelTest.STRESS ? 20_000 : 1_000);
    }

    private static void run(boolean candidates, int defaultPrograms) {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        int programs = Integer.getInteger("refheap.programs", defaultPrograms);
        System.out.println("IncrementalModelTest" + (candidates ? " (candidates)" : "") + " seed=" + seed
                + " programs=" + programs + " (replay: -Drefheap.seed=" + seed + ")");
        Random master = new Random(seed);
        long cycles = 0;
        long steps = 0;
        for (int p = 0; p < programs; p++) {
            long ps = RefcountModelTest.PROGRAM_SEED != null ? RefcountModelTest.PROGRAM_SEED : master.nextLong();
            if (RefcountModelTest.PROGRAM_SEED != null && p > 0) {
                break;
            }
            RefcountModelTest.Program prog = new RefcountModelTest.Program(ps, true, candidates);
            prog.incremental = true;
            int n = 100 + prog.rnd.nextInt(400);
            try {
                for (int s = 0; s < n; s++) {
                    prog.step();
                    if (RefcountModelTest.VERIFY_ALL) {
                        prog.heap.verify();
                    }
                    // A mutation may free an object that only half-cleared garbage still held in
                    // the model (the delete phase drops garbage's references over several steps).
                    prog.syncFreed();
                    prog.checkReachable();
                }
                IncrementalStats st = prog.heap.gc().getIncrementalStats();
                CandidateStats cs = prog.heap.gc().getCandidateStats();
                cycles += st.cycles() + cs.cycles();
                steps += st.steps() + cs.steps();
                prog.teardownByCollection();
            } catch (Throwable t) {
                RefcountModelTest.saveLog(prog, ps);
                String tail = prog.log.length() > 3000 ? prog.log.substring(prog.log.length() - 3000) : prog.log.toString();
                fail("program " + p + " (program seed " + ps + ", master seed " + seed + ") failed: " + t
                        + "\nlast operations:\n" + tail, t);
            }
        }
        System.out.println("IncrementalModelTest: " + cycles + " cycles in " + steps + " steps");
        assertTrue(cycles > programs || RefcountModelTest.PROGRAM_SEED != null, "cycles completed: " + cycles);
    }
}
