package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pause-bounded collector's behaviour, step by step. */
class IncrementalTest {
    private Heap heap;
    private Gc gc;
    private StructType node;
    private StructType.Field next;

    @BeforeEach
    void open() {
        heap = Heap.create();
        gc = heap.gc();
        gc.disable();
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
        next = node.field("next");
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private long ring(int n) {
        long head = node.allocate();
        long cur = head;
        for (int i = 1; i < n; i++) {
            long x = node.allocate();
            next.setRef(cur, x);
            heap.decref(x);
            cur = x;
        }
        next.setRef(cur, head);
        return head;
    }

    private int stepsToFinish(long work) {
        int steps = 1;
        while (!gc.collectStepWork(work)) {
            steps++;
        }
        return steps;
    }

    @Test
    void shouldCollectACycleInManySmallSteps() {
        long keep = ring(100);
        heap.decref(ring(1000));
        assertEquals(1100, heap.liveObjects());
        assertFalse(gc.collectStepWork(10));
        assertEquals("snapshot", gc.incrementalPhase());
        int steps = 1 + stepsToFinish(10);
        assertTrue(steps > 100, "steps: " + steps);
        assertEquals("idle", gc.incrementalPhase());
        assertEquals(100, heap.liveObjects());
        assertEquals(2, heap.getrefcount(keep), "ours and the ring's last node");
        IncrementalStats st = gc.getIncrementalStats();
        assertEquals(1, st.cycles());
        assertEquals(1000, st.collected());
        assertEquals(steps, st.steps());
        assertThrows(IllegalArgumentException.class, () -> gc.collectStepWork(0));
        assertThrows(IllegalArgumentException.class, () -> gc.collectStep(-1));
    }

    @Test
    void shouldLeaveGarbageMadeDuringACycleToTheNext() {
        heap.decref(ring(50));
        gc.collectStepWork(1); // the cycle's snapshot is being taken
        long later = ring(30);
        heap.decref(later);
        stepsToFinish(7);
        assertEquals(30, heap.liveObjects(), "made after the cycle began: floating garbage");
        stepsToFinish(7);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldKeepWhatTheProgramMovesBetweenSteps() {
        long a = ring(200);
        long holder = heap.newList();
        // Start a cycle, then hide the only external reference inside another object of the set.
        gc.collectStepWork(300);
        heap.lists().append(holder, a);
        heap.decref(a);
        long b = node.allocate();
        next.setRef(b, holder);
        heap.decref(holder);
        // b is referenced from Java only; holder and the ring only through b.
        stepsToFinish(5);
        assertEquals(202, heap.liveObjects());
        assertEquals(1, heap.getrefcount(b));
        heap.decref(b); // b and holder die by count; the ring is garbage now, for the next cycle
        assertEquals(200, heap.liveObjects());
        stepsToFinish(5);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldCallWeakrefCallbacksAndRunFinalizersInSteps() {
        List<Long> called = new ArrayList<>();
        List<Long> finalized = new ArrayList<>();
        long keep = heap.newList();
        StructType fin = heap.defineStruct("Fin", MemoryLayout.structLayout(ADDRESS.withName("next")),
                StructOptions.DEFAULT.withFinalizer(obj -> {
                    finalized.add(obj);
                    if (finalized.size() == 1) {
                        heap.lists().append(keep, obj); // resurrect the first one
                    }
                }));
        long f1 = fin.allocate();
        long f2 = fin.allocate();
        fin.field("next").setRef(f1, f1);
        fin.field("next").setRef(f2, f2);
        heap.decref(f1);
        heap.decref(f2);
        long r = ring(10);
        long wr = heap.weakrefs().ref(r, called::add);
        heap.decref(r);
        stepsToFinish(3);
        assertEquals(List.of(wr), called);
        assertEquals(heap.none(), heap.weakrefs().get(wr));
        assertEquals(2, finalized.size());
        assertTrue(heap.isLive(finalized.get(0)), "resurrected");
        assertFalse(heap.isLive(finalized.get(1)));
        heap.decref(wr);
        heap.lists().clear(keep);
        heap.decref(keep);
        stepsToFinish(3);
        assertEquals(2, finalized.size(), "a finalizer runs once");
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldFinishACycleUnderWayBeforeAFullCollection() {
        heap.decref(ring(500));
        gc.collectStepWork(100);
        assertEquals("snapshot", gc.incrementalPhase());
        heap.decref(ring(20));
        long found = gc.collect();
        assertEquals("idle", gc.incrementalPhase());
        assertEquals(20, found, "the full collection itself finds what the cycle could not");
        assertEquals(0, heap.liveObjects());
        assertEquals(500, gc.getIncrementalStats().collected());
    }

    @Test
    void shouldLetYoungCollectionsRunBetweenSteps() {
        heap.decref(ring(300));
        gc.collectStepWork(400); // snapshot done, subtracting
        heap.decref(ring(5)); // young garbage
        assertEquals(5, gc.collect(0));
        stepsToFinish(50);
        assertEquals(0, heap.liveObjects());
        assertEquals(300, gc.getIncrementalStats().collected());
    }

    @Test
    void shouldStopAStepWhenItsTimeIsUp() {
        for (int i = 0; i < 20; i++) {
            heap.decref(ring(10_000));
        }
        int steps = 1;
        while (!gc.collectStep(50_000)) {
            steps++;
        }
        assertTrue(steps > 5, "a 200k-object cycle in 50 us steps took " + steps + " steps");
        assertEquals(0, heap.liveObjects());
    }
}
