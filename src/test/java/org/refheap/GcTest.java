package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the collector, from CPython's gc documentation and Lib/test/test_gc.py's cases. */
class GcTest {
    private Heap heap;
    private Gc gc;
    private StructType node;
    private StructType.Field next;
    private final List<Long> finalized = new ArrayList<>();
    private final List<String> unraisable = new ArrayList<>();

    @BeforeEach
    void open() {
        heap = Heap.create();
        gc = heap.gc();
        gc.disable(); // each test decides when to collect
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
        next = node.field("next");
        heap.setUnraisableHook((where, error) -> unraisable.add(where + ": " + error.getMessage()));
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private StructType finalizable(String name, Finalizer f) {
        return heap.defineStruct(name, MemoryLayout.structLayout(ADDRESS.withName("next")),
                StructOptions.DEFAULT.withFinalizer(f).withWeakrefs());
    }

    @Test
    void shouldCollectASelfReferencingList() {
        long l = heap.newList();
        heap.lists().append(l, l);
        heap.decref(l);
        assertEquals(1, heap.liveObjects());
        assertEquals(1, gc.collect());
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldCollectDictTupleAndStructCycles() {
        long d = heap.newDict();
        long k = heap.newInt(1000);
        heap.dicts().put(d, k, d);
        heap.decref(k);
        heap.decref(d);

        long l = heap.newList();
        long t = heap.newTuple(l);
        heap.lists().append(l, t);
        heap.decref(t);
        heap.decref(l);

        long a = node.allocate();
        long b = node.allocate();
        next.setRef(a, b);
        next.setRef(b, a);
        heap.decref(a);
        heap.decref(b);

        assertEquals(6, heap.liveObjects());
        assertEquals(5, gc.collect(), "dict, list, tuple and two nodes (the int key is not a container)");
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldNotCollectWhatIsReachable() {
        long root = heap.newList();
        long a = node.allocate();
        long b = node.allocate();
        next.setRef(a, b);
        next.setRef(b, a);
        heap.lists().append(root, a);
        heap.decref(a);
        heap.decref(b);
        assertEquals(0, gc.collect());
        assertEquals(3, heap.liveObjects());
        assertEquals(2, heap.getrefcount(a));
        heap.lists().clear(root);
        assertEquals(2, gc.collect());
        heap.decref(root);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldTrackContainersButNotAtoms() {
        long i = heap.newInt(12345);
        long s = heap.newStr("x");
        long l = heap.newList();
        long d = heap.newDict();
        long atomsTuple = heap.newTuple(i, s);
        long listTuple = heap.newTuple(l);
        long nestedAtoms = heap.newTuple(atomsTuple);
        assertFalse(gc.isTracked(i));
        assertFalse(gc.isTracked(s));
        assertFalse(gc.isTracked(heap.none()));
        assertTrue(gc.isTracked(l));
        assertTrue(gc.isTracked(d));
        assertFalse(gc.isTracked(atomsTuple), "a tuple of atoms can never be in a cycle");
        assertFalse(gc.isTracked(nestedAtoms));
        assertTrue(gc.isTracked(listTuple));
        assertTrue(gc.isTracked(node.allocate()));
    }

    @Test
    void shouldCollectACycleWithFinalizersAndRunEachOnce() {
        StructType fin = finalizable("Fin", finalized::add);
        StructType.Field fnext = fin.field("next");
        long a = fin.allocate();
        long b = fin.allocate();
        fnext.setRef(a, b);
        fnext.setRef(b, a);
        heap.decref(a);
        heap.decref(b);
        assertEquals(2, gc.collect());
        assertEquals(2, finalized.size());
        assertTrue(finalized.containsAll(List.of(a, b)));
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.lists().size(gc.garbage()), "PEP 442: not parked in garbage");
    }

    @Test
    void shouldRunTheFinalizerOnceWhenAnObjectDiesByCount() {
        StructType fin = finalizable("Fin", finalized::add);
        long a = fin.allocate();
        heap.decref(a);
        assertEquals(List.of(a), finalized);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldSpareOnlyWhatAFinalizerResurrects() {
        long keep = heap.newList();
        long[] lazarus = new long[1];
        StructType fin = finalizable("Lazarus", obj -> {
            finalized.add(obj);
            if (obj == lazarus[0]) {
                heap.lists().append(keep, obj);
            }
        });
        StructType.Field fnext = fin.field("next");
        long a = fin.allocate();
        long b = fin.allocate();
        long c = fin.allocate(); // a <-> b cycle, and c in its own cycle
        lazarus[0] = a;
        fnext.setRef(a, b);
        fnext.setRef(b, a);
        fnext.setRef(c, c);
        heap.decref(a);
        heap.decref(b);
        heap.decref(c);
        gc.collect();
        assertEquals(3, finalized.size());
        assertTrue(heap.isLive(a), "resurrected");
        assertTrue(heap.isLive(b), "reachable from the resurrected object");
        assertFalse(heap.isLive(c), "not resurrected: collected");
        assertTrue(gc.isFinalized(a));
        assertEquals(2, heap.getrefcount(a), "the keep list and b");
        // Drop it again: collected now, without a second finalizer call.
        heap.lists().clear(keep);
        assertEquals(2, gc.collect());
        assertEquals(3, finalized.size());
        heap.decref(keep);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldReportAFinalizerExceptionAndStayConsistent() {
        StructType bad = finalizable("Bad", obj -> {
            throw new IllegalStateException("boom");
        });
        long a = bad.allocate();
        bad.field("next").setRef(a, a);
        heap.decref(a);
        assertEquals(1, gc.collect());
        assertEquals(1, unraisable.size());
        assertTrue(unraisable.get(0).contains("boom") && unraisable.get(0).contains("Bad"), unraisable.get(0));
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseToCloseTheHeapFromAFinalizer() {
        StructType fin = finalizable("Closer", obj -> heap.close());
        long a = fin.allocate();
        heap.decref(a);
        long b = fin.allocate();
        fin.field("next").setRef(b, b);
        heap.decref(b);
        assertEquals(1, gc.collect());
        assertEquals(2, unraisable.size(), unraisable.toString());
        assertTrue(unraisable.get(0).contains("cannot be closed"), unraisable.get(0));
        assertFalse(heap.isClosed());
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldCallWeakrefCallbacksOfCycleMembersAndClearThem() {
        List<Long> called = new ArrayList<>();
        long a = node.allocate();
        long b = node.allocate();
        next.setRef(a, b);
        next.setRef(b, a);
        long wr = heap.weakrefs().ref(a, w -> {
            called.add(w);
            assertEquals(heap.none(), heap.weakrefs().get(w), "cleared before its callback runs");
        });
        assertEquals(a, heap.weakrefs().get(wr));
        assertEquals(1, heap.weakrefs().getweakrefcount(a));
        heap.decref(a);
        heap.decref(b);
        assertEquals(2, gc.collect());
        assertEquals(List.of(wr), called);
        assertEquals(heap.none(), heap.weakrefs().get(wr));
        assertFalse(heap.weakrefs().isAlive(wr));
        heap.decref(wr);
        assertEquals(0, heap.liveObjects());
        assertTrue(unraisable.isEmpty(), unraisable.toString());
    }

    @Test
    void shouldNotCallTheCallbackOfAWeakrefThatIsGarbageToo() {
        List<Long> called = new ArrayList<>();
        long a = node.allocate();
        long holder = heap.newList();
        long wr = heap.weakrefs().ref(a, called::add);
        // a -> holder -> [a, wr]: the weakref dies with the cycle it points into.
        heap.lists().append(holder, a);
        heap.lists().append(holder, wr);
        next.setRef(a, holder);
        heap.decref(wr);
        heap.decref(a);
        heap.decref(holder);
        assertEquals(3, gc.collect());
        assertTrue(called.isEmpty(), "callback of a garbage weakref must not run");
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldClearWeakrefsAndCallCallbacksWhenTheCountReachesZero() {
        List<Long> called = new ArrayList<>();
        long a = node.allocate();
        long w1 = heap.weakrefs().ref(a, called::add);
        long w2 = heap.weakrefs().ref(a);
        assertArrayEquals(new long[] {w2, w1}, heap.weakrefs().getweakrefs(a));
        heap.decref(w2);
        assertEquals(1, heap.weakrefs().getweakrefcount(a));
        heap.decref(a);
        assertEquals(List.of(w1), called);
        assertEquals(heap.none(), heap.weakrefs().get(w1));
        heap.decref(w1);
        assertEquals(0, heap.liveObjects());
        assertThrows(WrongTypeException.class, () -> heap.weakrefs().ref(heap.newList()));
    }

    @Test
    void shouldFindReferrersAndReferents() {
        long a = node.allocate();
        long l = heap.newList();
        long d = heap.newDict();
        long k = heap.newStr("k");
        heap.lists().append(l, a);
        heap.dicts().put(d, k, a);
        long[] referrers = gc.getReferrers(a);
        Arrays.sort(referrers);
        long[] expected = {l, d};
        Arrays.sort(expected);
        assertArrayEquals(expected, referrers);
        assertArrayEquals(new long[] {k, a}, gc.getReferents(d));
        assertArrayEquals(new long[] {a}, gc.getReferents(l));
        assertArrayEquals(new long[0], gc.getReferents(a));
    }

    @Test
    void shouldFreezeAndUnfreeze() {
        long a = heap.newList();
        long b = heap.newList();
        assertEquals(0, gc.getFreezeCount());
        gc.freeze();
        assertEquals(2, gc.getFreezeCount());
        assertEquals(0, gc.getObjects().length);
        long c = heap.newList();
        assertArrayEquals(new long[] {c}, gc.getObjects(0));
        // Frozen garbage is not collected.
        heap.lists().append(a, a);
        heap.decref(a);
        assertEquals(0, gc.collect());
        gc.unfreeze();
        assertEquals(0, gc.getFreezeCount());
        assertEquals(1, gc.collect());
        assertTrue(heap.isLive(b));
    }

    @Test
    void shouldCallCallbacksWithInfo() {
        List<String> seen = new ArrayList<>();
        gc.callbacks().add((phase, info) -> seen.add(phase + " gen=" + info.generation() + " collected="
                + info.collected() + " candidates=" + info.candidates()));
        long l = heap.newList();
        heap.lists().append(l, l);
        heap.decref(l);
        long keep = heap.newList();
        gc.collect(1);
        assertEquals(List.of("start gen=1 collected=0 candidates=0", "stop gen=1 collected=1 candidates=2"), seen);
        heap.decref(keep);
    }

    @Test
    void shouldSaveGarbageWithSaveall() {
        gc.setDebug(Gc.DEBUG_SAVEALL);
        long l = heap.newList();
        heap.lists().append(l, l);
        heap.decref(l);
        assertEquals(1, gc.collect());
        long garbage = gc.garbage();
        assertEquals(1, heap.lists().size(garbage));
        assertEquals(l, heap.lists().get(garbage, 0));
        assertTrue(heap.isLive(l));
        gc.setDebug(0);
        heap.lists().clear(garbage);
        assertEquals(1, gc.collect());
        assertEquals(0, heap.liveObjects(), "gc.garbage is immortal: not counted among live objects");
        heap.decref(garbage); // a borrowed reference: a decref changes nothing, the list stays usable
        heap.lists().append(garbage, heap.none());
        assertEquals(1, heap.lists().size(garbage));
    }

    @Test
    void shouldPrintStatsInCPythonsFormat() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        gc.setDebugOutput(new PrintStream(out, true));
        gc.setDebug(Gc.DEBUG_STATS | Gc.DEBUG_COLLECTABLE);
        long keep = heap.newList();
        gc.collect(0);
        long l = heap.newList();
        heap.lists().append(l, l);
        heap.decref(l);
        gc.collect();
        String[] lines = out.toString().trim().split("\n");
        assertEquals(9, lines.length, out.toString());
        assertEquals("gc: collecting generation 0...", lines[0]);
        assertEquals("gc: objects in each generation: 1 0 0", lines[1]);
        assertEquals("gc: objects in permanent generation: 0", lines[2]);
        assertTrue(lines[3].matches("gc: done, \\d+\\.\\d{4}s elapsed"), lines[3]);
        assertEquals("gc: collecting generation 2...", lines[4]);
        assertEquals("gc: objects in each generation: 1 1 0", lines[5]);
        assertEquals("gc: collectable <list 0x" + Long.toHexString(l) + ">", lines[7]);
        assertTrue(lines[8].matches("gc: done, 1 unreachable, 0 uncollectable, \\d+\\.\\d{4}s elapsed"), lines[8]);
        heap.decref(keep);
        assertThrows(IllegalArgumentException.class, () -> gc.setDebug(64));
    }

    @Test
    void shouldTriggerGenerationsByThresholds() {
        gc.enable();
        assertArrayEquals(new int[] {700, 10, 10}, gc.getThreshold());
        gc.setThreshold(10, 2, 2);
        List<Long> roots = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            roots.add(heap.newList());
        }
        assertArrayEquals(new long[] {10, 0, 0}, gc.getCount());
        assertEquals(0, gc.getStats().get(0).collections());
        roots.add(heap.newList()); // the 11th crosses threshold 0
        assertEquals(1, gc.getStats().get(0).collections());
        assertArrayEquals(new long[] {0, 1, 0}, gc.getCount());
        for (int i = 0; i < 33; i++) {
            roots.add(heap.newList());
        }
        // Every 11 tracked allocations a collection: two more of generation 0 (count1 reaches 3 > 2), then
        // one of generation 1, which resets counts 0 and 1 and adds one to count 2.
        assertEquals(3, gc.getStats().get(0).collections());
        assertEquals(1, gc.getStats().get(1).collections());
        assertArrayEquals(new long[] {0, 0, 1}, gc.getCount());
        gc.setThreshold(0);
        long before = gc.getStats().get(0).collections();
        for (int i = 0; i < 100; i++) {
            roots.add(heap.newList());
        }
        assertEquals(before, gc.getStats().get(0).collections(), "threshold 0 disables automatic collection");
        assertThrows(IllegalArgumentException.class, () -> gc.collect(3));
        assertThrows(IllegalArgumentException.class, () -> gc.collect(-1));
        assertThrows(IllegalArgumentException.class, () -> gc.setThreshold(-1));
    }

    @Test
    void shouldCountDeallocationsAgainstThreshold0() {
        long a = heap.newList();
        long b = heap.newList();
        assertEquals(2, gc.getCount()[0]);
        heap.decref(a);
        assertEquals(1, gc.getCount()[0]);
        heap.decref(b);
        assertEquals(0, gc.getCount()[0]);
    }

    @Test
    void shouldSkipFullCollectionsUntilAQuarterMoreHasSurvived() {
        gc.enable();
        gc.setThreshold(100, 1, 1);
        List<Long> roots = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            roots.add(heap.newList());
        }
        gc.collect(); // long_lived_total = 10_000 survivors
        long full = gc.getStats().get(2).collections();
        // Each young collection promotes its survivors; a full one waits for 2_500 of them pending.
        for (int i = 0; i < 2_000; i++) {
            roots.add(heap.newList());
        }
        assertEquals(full, gc.getStats().get(2).collections(), "fewer than 25% promoted: no full collection");
        for (int i = 0; i < 1_000; i++) {
            roots.add(heap.newList());
        }
        assertTrue(gc.getStats().get(2).collections() > full, "25% promoted: a full collection ran");
    }

    @Test
    void shouldReturnZeroFromACollectStartedInsideACollection() {
        long[] inner = {-1};
        StructType fin = finalizable("Reentrant", obj -> inner[0] = gc.collect());
        long a = fin.allocate();
        fin.field("next").setRef(a, a);
        heap.decref(a);
        assertEquals(1, gc.collect());
        assertEquals(0, inner[0]);
    }

    @Test
    void shouldReportStatsPerGeneration() {
        long l = heap.newList();
        heap.lists().append(l, l);
        heap.decref(l);
        gc.collect(0);
        GcStats s = gc.getStats().get(0);
        assertEquals(1, s.collections());
        assertEquals(1, s.collected());
        assertEquals(0, s.uncollectable());
        assertEquals(1, s.candidates());
        assertTrue(s.lastPauseNanos() > 0 && s.totalPauseNanos() >= s.lastPauseNanos());
    }

    @Test
    void shouldCollectATenMillionObjectCycleWithoutRecursion() {
        long head = node.allocate();
        long cur = head;
        for (int i = 1; i < 10_000_000; i++) {
            long n = node.allocate();
            next.setRef(cur, n);
            heap.decref(n);
            cur = n;
        }
        next.setRef(cur, head); // close the ring
        heap.decref(head);
        assertEquals(10_000_000, heap.liveObjects());
        assertEquals(10_000_000, gc.collect());
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }
}
