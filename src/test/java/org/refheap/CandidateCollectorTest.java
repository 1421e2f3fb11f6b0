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

/** The candidate-root collector ({@link CollectionMode#LOW_LATENCY}): what it buffers, finds and leaves. */
class CandidateCollectorTest {
    private Heap heap;
    private Gc gc;
    private StructType node;
    private StructType.Field next;

    @BeforeEach
    void open() {
        heap = Heap.create(HeapConfig.defaults().withCollectionMode(CollectionMode.LOW_LATENCY));
        gc = heap.gc();
        gc.disable();
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
        next = node.field("next");
    }

    @AfterEach
    void close() {
        if (!heap.isClosed()) {
            heap.verify();
            heap.close();
        }
    }

    /** A ring of {@code n} nodes; the caller holds one reference to the returned head. */
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

    /**
     * Bursts of roots, each drained in the gap after it (the order book's shape in the low-latency
     * mode): the root buffer grows in every burst and shrinks when a cycle starts with few roots
     * buffered, and once warm it reuses its tables instead of allocating them again. Each burst here buffers 20,000
     * roots (a table of 64K slots, 512 KiB, that G1 allocates as humongous), and the rounds after
     * the warm-up must allocate far less than one such table in all.
     */
    @Test
    void shouldReuseTheRootBuffersTablesFromBurstToBurst() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        Lists lists = heap.lists();
        long keep = lists.newList();
        long[] held = new long[20_000];
        long allocated = 0;
        for (int round = 0; round < 50; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < held.length; i++) {
                held[i] = node.allocate();
                lists.append(keep, held[i]); // two references: the decref below leaves it buffered
                heap.decref(held[i]);
            }
            lists.clear(keep); // every node dies by its count, its entry removed from the buffer
            for (int i = 0; i < held.length; i++) {
                long a = node.allocate();
                long b = node.allocate();
                next.setRef(a, b);
                next.setRef(b, a);
                heap.decref(b); // a root: b stays alive through a
                heap.decref(a); // a root, garbage: a 2-cycle the candidate cycles find
            }
            assertTrue(buffered() > 0);
            gc.collectCandidates(); // the gap: candidate cycles until the buffer is empty
            for (int i = 0; i < 10; i++) { // a quiet spell: a few roots, a cycle that starts small
                long a = node.allocate();
                next.setRef(a, a);
                heap.decref(a);
            }
            gc.collectCandidates(); // its start shrinks the table the burst grew
            if (round >= 30) { // once C2 has compiled the loops (interpreted, an allocation makes a slice)
                allocated += mx.getCurrentThreadAllocatedBytes() - before;
            }
        }
        assertEquals(0, buffered(), "every root decided");
        assertTrue(allocated < 256 * 1024, "20 warm bursts of 40,000 roots allocated " + allocated
                + " bytes of Java heap; the root buffer's tables are reused");
        heap.decref(keep);
    }

    /**
     * A decref that buffers a root never allocates the root buffer's table whole: 300,000 roots grow
     * it to a million slots, which as one array was 8 MB allocated (and zeroed by the JVM) inside the
     * one decref that crossed the load factor. Its chunks are allocated as insertions reach them.
     * (The old array measured 8,388,624 bytes in one decref here.)
     */
    @Test
    void shouldNeverAllocateTheRootTableWholeInOneDecref() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        Lists lists = heap.lists();
        long keep = lists.newList();
        long most = 0;
        for (int i = 0; i < 300_000; i++) {
            long x = node.allocate();
            lists.append(keep, x);
            long before = mx.getCurrentThreadAllocatedBytes();
            heap.decref(x); // count 2 -> 1: a root
            most = Math.max(most, mx.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(300_000, buffered());
        // At most a chunk for the insertion and one for each of the 4 entries a migration moves, and
        // a spine: 32 KiB each (measured: 64 KiB at most here).
        assertTrue(most <= 256 * 1024, "one decref allocated " + most + " bytes of Java heap");
        heap.decref(keep);
    }

    private long buffered() {
        return gc.getCandidateStats().buffered();
    }

    @Test
    void shouldCollectADroppedCycleFromItsCandidateRoot() {
        long a = heap.newList();
        long b = heap.newList();
        heap.lists().append(a, b);
        heap.lists().append(b, a);
        gc.collectCandidates(); // the building buffered nothing that is garbage
        long live = heap.liveObjects();
        heap.decref(a);
        heap.decref(b);
        assertEquals(2, buffered(), "each decref left a count of 1: both are candidate roots");
        assertEquals(2, gc.collectCandidates());
        assertEquals(live - 2, heap.liveObjects());
        assertEquals(0, buffered());
        CandidateStats st = gc.getCandidateStats();
        assertTrue(st.cycles() >= 1 && st.collected() >= 2, st.toString());
    }

    @Test
    void shouldNeverBufferAcyclicObjects() {
        StructType data = heap.defineStruct("Data", MemoryLayout.structLayout(JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withFinalizer(o -> { }));
        long target = node.allocate();
        long[] objs = {heap.newInt(1_000_000), heap.newStr("text"), heap.newTuple(heap.newInt(5), heap.none()),
                data.allocate(), heap.weakrefs().ref(target)};
        for (long o : objs) {
            heap.incref(o);
            heap.decref(o);
        }
        assertEquals(0, buffered(), "atoms, tuples of atoms, data-only structs and weakrefs are never candidates");
        long list = heap.newList();
        heap.incref(list);
        heap.decref(list);
        assertEquals(1, buffered(), "a list is");
        heap.incref(list);
        heap.decref(list);
        assertEquals(1, buffered(), "once");
        for (long o : objs) {
            heap.decref(o);
        }
        heap.decref(list);
        assertEquals(0, buffered(), "a buffered object that dies leaves the buffer");
        heap.decref(target);
    }

    @Test
    void shouldBufferNothingInTheDefaultMode() {
        try (Heap h = Heap.create()) {
            long l = h.newList();
            h.incref(l);
            h.decref(l);
            assertEquals(0, h.gc().getCandidateStats().buffered());
            assertEquals(0, h.gc().collectCandidates());
            h.decref(l);
        }
    }

    @Test
    void shouldKeepWhatIsReachable() {
        long holder = heap.newList();
        long a = ring(5);
        heap.lists().append(holder, a);
        heap.decref(a);
        assertTrue(buffered() > 0);
        long live = heap.liveObjects();
        assertEquals(0, gc.collectCandidates());
        assertEquals(live, heap.liveObjects());
        heap.verify();
        heap.lists().clear(holder); // now the ring is garbage; its head is a root again
        assertEquals(5, gc.collectCandidates());
        heap.decref(holder);
    }

    @Test
    void shouldNotConfuseAFreedRootWithALaterObjectAtItsAddress() {
        long a = heap.newList();
        heap.incref(a);
        heap.decref(a);
        assertEquals(1, buffered());
        heap.decref(a); // dies while buffered
        assertEquals(0, buffered());
        long b = heap.newList(); // obmalloc hands the same block back first
        assertEquals(a, b, "the block was reused (the test needs it)");
        assertFalse(gc.isTracked(b) && buffered() != 0, "the new object is not a candidate");
        heap.verify();
        heap.decref(b);
    }

    @Test
    void shouldExamineOnlyTheClosureOfTheCandidates() {
        long big = heap.newList();
        for (int i = 0; i < 50_000; i++) {
            long l = heap.newList();
            heap.lists().append(big, l);
            heap.decref(l);
        }
        gc.collectCandidates(); // decides the roots the building made
        long before = gc.getCandidateStats().examined();
        long r = ring(10);
        heap.decref(r);
        assertEquals(10, gc.collectCandidates());
        long examined = gc.getCandidateStats().examined() - before;
        assertTrue(examined <= 20, "examined " + examined + " objects for a ring of 10 in a heap of 50,000");
        heap.decref(big);
    }

    @Test
    void shouldLeaveARootWhoseClosureOutgrewTheLimitToAFullCycle() {
        long r = ring(100);
        gc.collectCandidates();
        gc.setClosureLimit(10);
        heap.decref(r);
        long before = gc.getCandidateStats().collected();
        assertTrue(gc.collectStepWork(1_000_000), "one step is a whole candidate cycle here");
        CandidateStats st = gc.getCandidateStats();
        assertEquals(0, st.collected() - before, "a set of 10 cut out of a ring of 100 is referenced from outside");
        assertTrue(st.fullCycleOwed() && st.undecidedRoots() == 1, st.toString());
        int steps = 0;
        while (gc.getCandidateStats().fullCycleOwed() || !gc.incrementalPhase().equals("idle")) {
            gc.collectStepWork(50);
            steps++;
        }
        assertTrue(steps > 1, "the full cycle ran in steps");
        assertEquals(100, gc.getIncrementalStats().collected(), "the full cycle found the ring");
        assertEquals(0, heap.liveObjects("Node"));
    }

    @Test
    void shouldFindGarbageInsideATruncatedSet() {
        // Garbage near its root is found even when the closure is cut: the set is all it needs.
        long live = ring(1000);
        gc.collectCandidates();
        gc.setClosureLimit(50);
        long examinedBefore = gc.getCandidateStats().examined();
        long pair = heap.newList();
        long other = heap.newList();
        heap.lists().append(pair, other);
        heap.lists().append(other, pair);
        heap.lists().append(pair, live); // the garbage points into a big live structure
        heap.decref(other);
        heap.decref(pair);
        long before = gc.getCandidateStats().collected();
        assertTrue(gc.collectStepWork(1_000_000), "one step is a whole candidate cycle here");
        assertEquals(2, gc.getCandidateStats().collected() - before);
        assertEquals(50, gc.getCandidateStats().examined() - examinedBefore, "the set was cut at the limit");
        heap.decref(live);
        gc.collect();
    }

    @Test
    void shouldRunCandidateCyclesInBudgetedStepsWhileTheProgramMutates() {
        gc.setClosureLimit(1_000_000);
        long holder = heap.newList();
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long r = ring(20);
            if (i % 2 == 0) {
                heap.lists().append(holder, r);
                kept.add(r);
            }
            heap.decref(r);
        }
        int steps = 0;
        while (!gc.collectStepWork(7)) {
            steps++;
            long r = ring(3); // garbage made between steps waits for a later cycle
            heap.decref(r);
        }
        assertTrue(steps > 10, "steps: " + steps);
        while (buffered() > 0 || !gc.incrementalPhase().equals("idle")) {
            gc.collectStepWork(100);
        }
        assertEquals(100 * 20, heap.liveObjects("Node"), "only the kept rings live");
        heap.decref(holder);
        gc.collectCandidates();
        assertEquals(0, heap.liveObjects("Node"));
    }

    /** A cycle with finalizers (one resurrects), a weakref with a callback to it, one stored in it. */
    private static List<String> finalizerScenario(Heap h, boolean candidates) {
        List<String> events = new ArrayList<>();
        long[] saved = {0};
        StructType fin = h.defineStruct("Fin", MemoryLayout.structLayout(ADDRESS.withName("other"),
                ADDRESS.withName("extra")), StructOptions.DEFAULT.withWeakrefs().withFinalizer(o -> {
                    events.add("del");
                    if (saved[0] == 0) {
                        saved[0] = o;
                        h.incref(o); // resurrects it, and the other with it
                    }
                }));
        StructType.Field other = fin.field("other");
        StructType.Field extra = fin.field("extra");
        long a = fin.allocate();
        long b = fin.allocate();
        other.setRef(a, b);
        other.setRef(b, a);
        long wr = h.weakrefs().ref(b, w -> events.add("callback"));
        long garbageWr = h.weakrefs().ref(a, w -> events.add("callback of a garbage weakref"));
        extra.setRef(b, garbageWr);
        h.decref(garbageWr);
        h.decref(a);
        h.decref(b);
        long found = candidates ? h.gc().collectCandidates() : h.gc().collect();
        events.add("found " + found);
        events.add("weakref alive " + h.weakrefs().isAlive(wr));
        events.add("resurrected live " + h.isLive(saved[0]));
        h.decref(saved[0]);
        found = candidates ? h.gc().collectCandidates() : h.gc().collect();
        events.add("found again " + found);
        events.add("left " + h.liveObjects("Fin"));
        h.decref(wr);
        h.verify();
        return events;
    }

    @Test
    void shouldRunFinalizersAndWeakrefCallbacksAsAFullCollectionDoes() {
        List<String> full;
        try (Heap h = Heap.create()) {
            full = finalizerScenario(h, false);
        }
        List<String> cand = finalizerScenario(heap, true);
        assertEquals(full, cand);
        assertTrue(cand.contains("del") && cand.contains("callback") && cand.contains("left 0"), cand.toString());
        assertFalse(cand.contains("callback of a garbage weakref"), cand.toString());
    }

    @Test
    void shouldCollectAutomaticallyWithoutFullCollections() {
        gc.enable();
        gc.setCandidateThreshold(100);
        long peak = 0;
        for (int i = 0; i < 20_000; i++) {
            long r = ring(3);
            heap.decref(r);
            peak = Math.max(peak, heap.liveObjects());
        }
        assertTrue(peak < 20_000, "garbage stayed bounded: peak " + peak + " live objects for 60,000 made");
        assertEquals(0, gc.getStats().get(2).collections(), "no full collection");
        assertEquals(0, gc.getStats().get(1).collections(), "no collection of generation 1");
        assertTrue(gc.getStats().get(0).collections() > 0, "young collections ran");
        assertTrue(gc.getCandidateStats().cycles() > 0, "candidate cycles ran");
    }

    @Test
    void shouldDecideEveryRootWhenCollectingCandidatesByHand() {
        long r = ring(100);
        gc.collectCandidates();
        gc.setClosureLimit(10); // bounds the cycles of collectStep only
        heap.decref(r);
        assertEquals(100, gc.collectCandidates());
        assertFalse(gc.getCandidateStats().fullCycleOwed());
    }

    @Test
    void shouldForgetDecidedRootsInAFullCollection() {
        long l = heap.newList();
        heap.incref(l);
        heap.decref(l);
        assertEquals(1, buffered());
        gc.collect();
        assertEquals(0, buffered(), "a full collection decided every root");
        heap.decref(l);
    }

    @Test
    void shouldRefuseBadLimits() {
        assertThrows(IllegalArgumentException.class, () -> gc.setClosureLimit(0));
        assertThrows(IllegalArgumentException.class, () -> gc.setCandidateThreshold(-1));
        assertThrows(IllegalArgumentException.class, () -> gc.setAutoStepBudget(0));
        assertThrows(IllegalArgumentException.class,
                () -> HeapConfig.defaults().withCollectionMode(null));
    }

    /**
     * Candidate cycles that find only live objects (every root on one live ring, whose closure is the
     * whole ring) owe a full cycle once they have examined as many live objects as the heap holds;
     * the full cycle's snapshot takes every root buffered before it out of the buffer, so that they
     * are not walked again; and garbage dropped meanwhile is still found.
     */
    @Test
    void shouldTurnToAFullCycleWhenCandidatesKeepFindingLiveObjects() {
        long[] heads = rings();
        long head = heads[0];
        gc.collect(); // the building's roots decided
        long live = heap.liveObjects();
        oweAFullCycle(heads);
        assertTrue(gc.getCandidateStats().examined() > live, "owed before the candidates examined the heap: "
                + gc.getCandidateStats() + ", " + live + " live");
        long fullBefore = gc.getIncrementalStats().cycles();
        long x = head;
        for (int i = 0; i < 3; i++) { // roots buffered before the full cycle begins
            heap.incref(x);
            heap.decref(x);
            x = next.getRef(x);
        }
        assertTrue(buffered() >= 3, gc.getCandidateStats().toString());
        long a = heap.newList(); // and garbage dropped before it
        heap.lists().append(a, a);
        heap.decref(a);
        assertFalse(gc.collectStepWork(1)); // the full cycle begins: its snapshot is under way
        assertEquals("snapshot", gc.incrementalPhase());
        while (!gc.collectStepWork(5_000)) {
            // to the end of the full cycle
        }
        assertEquals(fullBefore + 1, gc.getIncrementalStats().cycles(), gc.getIncrementalStats().toString());
        assertFalse(gc.getCandidateStats().fullCycleOwed());
        assertEquals(0, buffered(), "the full cycle decided every root buffered before it");
        assertEquals(live, heap.liveObjects(), "the dropped self-cycle was found");
        dropRings(heads);
    }

    /** Four live rings of 3,000 nodes: each closure a quarter of the heap (a cycle's set may hold half). */
    private long[] rings() {
        long[] heads = new long[4];
        for (int i = 0; i < heads.length; i++) {
            heads[i] = ring(3_000);
        }
        return heads;
    }

    /** Candidate cycles over the live rings until they owe a full cycle for their cost, with no root left undecided. */
    private void oweAFullCycle(long[] heads) {
        int rounds = 0;
        while (!gc.getCandidateStats().fullCycleOwed()) {
            assertTrue(rounds++ < 20, "no full cycle owed after " + rounds + " rounds: " + gc.getCandidateStats());
            for (long head : heads) {
                long x = head;
                for (int i = 0; i < 2; i++) {
                    heap.incref(x);
                    heap.decref(x);
                    x = next.getRef(x);
                }
            }
            while (!gc.collectStepWork(5_000)) {
                // one candidate cycle to its end
            }
        }
        assertEquals(0, gc.getCandidateStats().undecidedRoots(), "owed for its cost, not for a cut closure");
    }

    private void dropRings(long[] heads) {
        for (long head : heads) {
            heap.decref(head);
        }
        assertEquals(12_000, gc.collect());
    }

    /**
     * A full cycle of the low-latency mode that fails leaves every root its snapshot had taken out
     * of the buffer back in it, and the full cycle still owed: nothing is left undecided.
     */
    @Test
    void shouldBufferAgainTheRootsOfAFullCycleThatFails() {
        long[] heads = rings();
        long a = heap.newList();
        long b = heap.newList();
        heap.lists().append(a, b);
        heap.lists().append(b, a);
        gc.collect();
        long live = heap.liveObjects();
        oweAFullCycle(heads);
        heap.decref(a);
        heap.decref(b);
        long rootsBefore = buffered();
        assertTrue(rootsBefore >= 2, "a and b are roots: " + gc.getCandidateStats());
        heap.setFaults(point -> {
            if (point.equals("step:mark")) {
                throw new IllegalStateException("injected at " + point);
            }
        });
        try {
            assertThrows(IllegalStateException.class, () -> {
                while (!gc.collectStepWork(5_000)) {
                    assertFalse(gc.incrementalPhase().equals("idle"));
                }
            });
        } finally {
            heap.setFaults(null);
        }
        assertEquals("idle", gc.incrementalPhase());
        assertEquals(rootsBefore, buffered(), "the snapshot's roots are buffered again");
        assertTrue(gc.getCandidateStats().fullCycleOwed(), "the full cycle is still owed");
        assertEquals(live, heap.liveObjects(), "nothing was freed");
        heap.verify();
        assertEquals(0, gc.getIncrementalStats().cycles());
        while (!gc.collectStepWork(5_000)) {
            // the owed full cycle, to its end
        }
        assertEquals(1, gc.getIncrementalStats().cycles());
        assertEquals(live - 2, heap.liveObjects(), "a and b found");
        dropRings(heads);
    }

    /**
     * The root buffer grows and shrinks by moving a few slots at a time: roots buffered, removed (by
     * dying) and taken while a move is under way are never lost nor found twice, and verify() holds
     * between every operation that moves slots.
     */
    @Test
    void shouldKeepEveryRootWhileTheBufferResizesIncrementally() {
        int n = 40_000;
        long[] lists = new long[n];
        for (int i = 0; i < n; i++) {
            lists[i] = heap.newList();
            heap.incref(lists[i]);
        }
        gc.collect();
        for (int i = 0; i < n; i++) {
            heap.decref(lists[i]); // a root: count 1 left
            if (i % 4_999 == 0) {
                heap.verify();
            }
        }
        assertEquals(n, buffered());
        for (int i = 0; i < n; i += 2) {
            heap.decref(lists[i]); // dies: its entry leaves the table it is in, old or new
            lists[i] = 0;
            if (i % 5_000 == 0) {
                heap.verify();
            }
        }
        assertEquals(n / 2, buffered());
        // Pairs of the survivors become garbage cycles; their roots are buffered meanwhile.
        for (int i = 1; i + 2 < n; i += 4) {
            heap.lists().append(lists[i], lists[i + 2]);
            heap.lists().append(lists[i + 2], lists[i]);
        }
        heap.verify();
        int stepped = 0;
        while (!gc.collectStepWork(500)) {
            if (++stepped % 50 == 0) {
                heap.verify();
            }
        }
        long garbage = 0;
        for (int i = 1; i + 2 < n; i += 4) {
            heap.decref(lists[i]);
            heap.decref(lists[i + 2]);
            garbage += 2;
        }
        assertEquals(garbage, gc.collectCandidates());
        heap.verify();
        assertEquals(0, buffered());
        assertEquals(0, gc.collect(), "every odd list was in a pair: nothing is left");
        assertEquals(0, heap.liveObjects() - liveBaseline());
    }

    /** Objects the heap holds for itself (singletons, type objects): live when nothing else is. */
    private long liveBaseline() {
        try (Heap h = Heap.create(HeapConfig.defaults().withCollectionMode(CollectionMode.LOW_LATENCY))) {
            h.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")),
                    StructOptions.DEFAULT.withWeakrefs());
            return h.liveObjects();
        }
    }
}
