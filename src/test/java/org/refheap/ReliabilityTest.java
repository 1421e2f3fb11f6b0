package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The defects of the reliability issue, one test each: objects the program holds are never freed,
 * an exception never strands garbage, misuse is an exception that leaves the heap verifiable.
 */
class ReliabilityTest {
    private Heap heap;
    private Gc gc;
    private StructType node;
    private StructType.Field a;
    private StructType.Field b;
    private final List<String> unraisable = new ArrayList<>();

    @BeforeEach
    void open() {
        heap = Heap.create();
        gc = heap.gc();
        gc.disable();
        heap.setUnraisableHook((where, t) -> unraisable.add(where + ": " + t));
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("a"),
                ADDRESS.withName("b")), StructOptions.DEFAULT.withWeakrefs());
        a = node.field("a");
        b = node.field("b");
    }

    @AfterEach
    void close() {
        if (!heap.isClosed()) {
            heap.close();
        }
    }

    /** x <-> y, x.b holds a str; returns x (the caller's reference); y's reference is dropped. */
    private long pairWithStr(long[] out) {
        long x = node.allocate();
        long y = node.allocate();
        a.setRef(x, y);
        a.setRef(y, x);
        long s = heap.newStr("held through the cycle");
        b.setRef(x, s);
        heap.decref(s);
        heap.decref(y);
        out[0] = y;
        out[1] = s;
        return x;
    }

    private void stepUntil(String phase) {
        for (int i = 0; i < 10_000 && !gc.incrementalPhase().equals(phase); i++) {
            gc.collectStepWork(1);
        }
        assertEquals(phase, gc.incrementalPhase());
    }

    private void finishCycle() {
        while (!gc.collectStepWork(1000)) {
            heap.verify();
        }
    }

    // ------------------------------------------------------------------ the pause-bounded collector

    @Test
    void shouldReadAWeakrefToCondemnedGarbageAsDead() {
        long[] o = new long[2];
        long x = pairWithStr(o);
        long wr = heap.weakrefs().ref(x);
        long keep = heap.newList(); // something reachable in the set too
        heap.decref(x); // the pair is garbage now
        stepUntil("sweep");
        assertEquals(heap.none(), heap.weakrefs().get(wr), "a condemned referent must not be handed out");
        assertFalse(heap.weakrefs().isAlive(wr));
        heap.verify();
        finishCycle();
        assertFalse(heap.isLive(x));
        assertFalse(heap.isLive(o[1]), "the str went with the cycle");
        heap.decref(wr);
        heap.decref(keep);
        assertEquals(0, heap.liveObjects());
        heap.verify();
    }

    @Test
    void shouldRefuseTheKeptAddressOfACondemnedObjectInEveryLaterPhase() {
        for (String phase : new String[] {"sweep", "delete"}) {
            long[] o = new long[2];
            long x = pairWithStr(o);
            long y = o[0];
            long list = heap.newList();
            heap.decref(x);
            // Enough other containers that the cycle spends several steps in each phase.
            List<Long> filler = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                filler.add(heap.newList());
            }
            stepUntil(phase);
            if (heap.isAllocatedObject(y)) {
                // Stores name the bad value as any bad store does (NotAnObjectException, "cannot store ...").
                NotAnObjectException e = assertThrows(NotAnObjectException.class, () -> heap.lists().append(list, y));
                assertTrue(e.getMessage().contains(Long.toHexString(y)) && e.getMessage().contains("unreachable"),
                        e.getMessage());
                assertThrows(UseAfterFreeException.class, () -> heap.incref(y));
                assertThrows(UseAfterFreeException.class, () -> a.getRef(y));
                assertFalse(heap.isLive(y));
            }
            assertEquals(0, heap.lists().size(list));
            heap.verify();
            gc.collect(0); // a young collection between steps must leave the lists intact
            heap.verify();
            finishCycle();
            assertFalse(heap.isAllocatedObject(y));
            assertFalse(heap.isAllocatedObject(o[1]));
            heap.decref(list);
            filler.forEach(heap::decref);
            assertEquals(0, heap.liveObjects(), phase);
        }
    }

    @Test
    void shouldKeepGenerationListsIntactThroughYoungCollectionsBetweenSteps() {
        List<Long> live = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 30; i++) {
                long[] o = new long[2];
                heap.decref(pairWithStr(o));
                live.add(heap.newList());
            }
            for (int s = 0; s < 40; s++) {
                gc.collectStepWork(3);
                if (s % 5 == 0) {
                    gc.collect(s % 2);
                }
                heap.verify();
            }
        }
        gc.collect();
        assertEquals(live.size(), heap.liveObjects());
        assertEquals(live.size(), gc.getObjects().length);
        live.forEach(heap::decref);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldLetTheProgramKeepAnAtomThatOnlyGarbageHeld() {
        // An object without a GC head is never in the set, so never condemned: taking it back through
        // its weakref while the cycle that holds it is swept is legitimate, and it must survive.
        StructType leaf = heap.defineStruct("Leaf", MemoryLayout.structLayout(JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withWeakrefs());
        long l = leaf.allocate();
        leaf.field("v").setLong(l, 42);
        long wr = heap.weakrefs().ref(l);
        long[] o = new long[2];
        long x = pairWithStr(o);
        b.setRef(o[0], l);
        heap.decref(l);
        heap.decref(x);
        stepUntil("sweep");
        long got = heap.weakrefs().get(wr);
        assertEquals(l, got);
        heap.incref(got);
        finishCycle();
        assertTrue(heap.isLive(l));
        assertEquals(42, leaf.field("v").getLong(l));
        assertFalse(heap.isAllocatedObject(x));
        heap.decref(l);
        assertEquals(heap.none(), heap.weakrefs().get(wr));
        heap.decref(wr);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldNeverCallTheCallbackOfAWeakrefThatIsItselfGarbage() {
        for (boolean stepwise : new boolean[] {false, true}) {
            List<Long> called = new ArrayList<>();
            long x = node.allocate();
            long wr = heap.weakrefs().ref(x, called::add);
            // x -> list -> wr: the weakref dies in the same cycle as its referent.
            long l = heap.newList();
            heap.lists().append(l, wr);
            heap.decref(wr);
            a.setRef(x, l);
            heap.lists().append(l, x);
            heap.decref(l);
            heap.decref(x);
            if (stepwise) {
                finishCycle();
            } else {
                assertEquals(3, gc.collect());
            }
            assertEquals(List.of(), called, stepwise ? "collectStep" : "collect");
            assertEquals(0, heap.liveObjects());
        }
    }

    @Test
    void shouldCompleteACycleInOneStepWithTheLargestBudget() {
        long[] o = new long[2];
        heap.decref(pairWithStr(o));
        assertTrue(gc.collectStep(Long.MAX_VALUE), "start + budget must not overflow into an expired deadline");
        assertEquals(0, heap.liveObjects());
    }

    // ------------------------------------------------------------------ exceptions inside a collection

    @Test
    void shouldStrandNothingWhenTheDebugStreamThrows() {
        long[] o = new long[2];
        heap.decref(pairWithStr(o));
        long keep = heap.newList();
        gc.setDebug(Gc.DEBUG_COLLECTABLE);
        gc.setDebugOutput(new PrintStream(new OutputStream() {
            @Override
            public void write(int c) {
                throw new IllegalStateException("debug stream broke");
            }
        }));
        // PrintStream swallows IOExceptions but not runtime exceptions from the stream.
        assertThrows(IllegalStateException.class, () -> gc.collect());
        heap.verify();
        assertEquals(3, gc.getObjects().length, "the pair and the keep list: all back on a generation list");
        gc.setDebug(0);
        assertEquals(2, gc.collect(), "the garbage is found again by the next collection");
        heap.decref(keep);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldStrandNothingWhenAFaultHitsAnyPhase() {
        for (String point : new String[] {"collect:start", "collect:updateRefs", "collect:subtractRefs",
                "collect:moveUnreachable", "collect:finished"}) {
            long[] o = new long[2];
            heap.decref(pairWithStr(o));
            long keep = heap.newList();
            heap.lists().append(keep, heap.newList());
            heap.decref(heap.lists().get(keep, 0));
            heap.setFaults(p -> {
                if (p.equals(point)) {
                    throw new IllegalStateException("injected at " + p);
                }
            });
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> gc.collect());
            assertEquals("injected at " + point, e.getMessage());
            heap.setFaults(null);
            heap.verify();
            assertEquals(2, gc.collect(), point);
            heap.decref(keep);
            assertEquals(0, heap.liveObjects(), point);
        }
    }

    @Test
    void shouldAbandonAPauseBoundedCycleCleanlyWhenAFaultHitsAStep() {
        for (String point : new String[] {"step:snapshot", "step:subtract", "step:mark", "step:sweep", "step:delete"}) {
            for (int i = 0; i < 5; i++) {
                long[] o = new long[2];
                heap.decref(pairWithStr(o));
            }
            long keep = heap.newList();
            heap.setFaults(p -> {
                if (p.equals(point)) {
                    throw new IllegalStateException("injected at " + p);
                }
            });
            boolean thrown = false;
            for (int s = 0; s < 1000 && !thrown; s++) {
                try {
                    if (gc.collectStepWork(2)) {
                        break;
                    }
                } catch (IllegalStateException e) {
                    thrown = true;
                }
            }
            heap.setFaults(null);
            assertTrue(thrown, point);
            assertEquals("idle", gc.incrementalPhase(), point);
            heap.verify();
            gc.collect();
            heap.decref(keep);
            assertEquals(0, heap.liveObjects(), point);
        }
    }

    @Test
    void shouldStrandNothingWhenSaveallRunsOutOfMemory() {
        Heap small = Heap.create(HeapConfig.defaults().withMaxBytes(HeapConfig.MIN_MAX_BYTES));
        try {
            Gc g = small.gc();
            g.disable();
            long x = small.newList();
            small.lists().append(x, x);
            small.decref(x);
            List<Long> filler = new ArrayList<>();
            for (int len = 480; len >= 0; len -= 8) { // every size class, so no block of any size is left
                try {
                    while (true) {
                        filler.add(small.newStr("x".repeat(len)));
                    }
                } catch (HeapExhaustedException full) {
                    // this size is exhausted; smaller ones may still fit
                }
            }
            g.setDebug(Gc.DEBUG_SAVEALL);
            assertThrows(HeapExhaustedException.class, g::collect);
            small.verify();
            assertEquals(1, g.getObjects().length, "the garbage list is back in a generation");
            filler.forEach(small::decref);
            assertEquals(1, g.collect(), "found again once there is room");
            assertEquals(x, small.lists().get(g.garbage(), 0));
            g.setDebug(0);
            small.lists().clear(g.garbage());
            assertEquals(1, g.collect());
            assertEquals(0, small.liveObjects());
            small.verify();
        } finally {
            small.close();
        }
    }

    @Test
    void shouldRefuseACollectionFromAStopCallback() {
        List<Long> nested = new ArrayList<>();
        gc.callbacks().add((phase, info) -> nested.add(gc.collect()));
        long[] o = new long[2];
        heap.decref(pairWithStr(o));
        assertEquals(2, gc.collect());
        assertEquals(List.of(0L, 0L), nested, "start and stop callbacks: a nested collect() returns 0");
        gc.callbacks().clear();
    }

    @Test
    void shouldLeaveTheHeapConsistentWhenCollectingAtTheStackLimit() {
        List<Long> keep = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long[] o = new long[2];
            heap.decref(pairWithStr(o));
            keep.add(heap.newList());
        }
        int[] overflows = {0};
        descendAndCollect(0, overflows);
        heap.verify();
        gc.collect();
        assertEquals(keep.size(), heap.liveObjects());
        keep.forEach(heap::decref);
        assertEquals(0, heap.liveObjects());
    }

    /** Recurses until the stack overflows, then collects at every depth on the way back. */
    private void descendAndCollect(int depth, int[] overflows) {
        try {
            descendAndCollect(depth + 1, overflows);
        } catch (StackOverflowError e) {
            overflows[0]++;
        }
        if (depth % 64 == 0 || overflows[0] < 200) {
            try {
                gc.collect();
            } catch (StackOverflowError e) {
                overflows[0]++;
            }
        }
    }

    // ------------------------------------------------------------------ counts

    @Test
    void shouldThrowWhenARefcountIsTooSmall() {
        boolean verifying = Heap.verifyAlways;
        Heap.verifyAlways = false; // -Drefheap.verify=true would find the corruption before the collector
        try {
            refcountTooSmall();
        } finally {
            Heap.verifyAlways = verifying;
        }
    }

    private void refcountTooSmall() {
        long x = heap.newList(); // a = [1, 2, 3]
        for (int i = 1; i <= 3; i++) {
            heap.lists().append(x, heap.newInt(i));
        }
        long y = heap.newList(); // b = [a, a]
        heap.lists().append(y, x);
        heap.lists().append(y, x);
        heap.lists().append(x, y); // a.append(b)
        heap.decref(x);
        heap.decref(x); // one decref too many: a's count is 1 with 2 references from b
        heap.decref(y);
        RefcountException e = assertThrows(RefcountException.class, () -> gc.collect());
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toHexString(x)), e.getMessage());
        assertTrue(e.getMessage().contains("refcount 1"), e.getMessage());
        assertTrue(e.getMessage().contains("2 times"), e.getMessage());
        assertTrue(heap.isLive(x) && heap.isLive(y), "nothing freed");
        assertEquals(2, gc.getObjects().length, "both back on a generation list");
        HeapCorruptedException v = assertThrows(HeapCorruptedException.class, heap::verify);
        assertTrue(v.getMessage().contains("too small"), v.getMessage());
        // Pause-bounded: the same finding, the cycle abandoned.
        RefcountException e2 = assertThrows(RefcountException.class, () -> {
            while (!gc.collectStepWork(1)) {
                // until it throws
            }
        });
        assertTrue(e2.getMessage().contains("too small"), e2.getMessage());
        assertEquals("idle", gc.incrementalPhase());
        heap.incref(x); // repair the count: now the pair is plain cyclic garbage
        heap.verify();
        assertEquals(2, gc.collect());
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldReportATooSmallCountFromAnAutomaticCollectionInsteadOfLosingTheAllocation() {
        boolean verifying = Heap.verifyAlways;
        Heap.verifyAlways = false; // -Drefheap.verify=true would find the corruption before the collector
        try {
            automaticTooSmall();
        } finally {
            Heap.verifyAlways = verifying;
        }
    }

    private void automaticTooSmall() {
        long x = heap.newList();
        long y = heap.newList();
        heap.lists().append(y, x);
        heap.lists().append(y, x);
        heap.lists().append(x, y);
        heap.decref(x);
        heap.decref(x);
        heap.decref(y);
        gc.setThreshold(1);
        gc.enable();
        long fresh = heap.newList(); // crosses threshold 0: the collection fails, the list is ours
        gc.disable();
        assertTrue(heap.isLive(fresh));
        assertTrue(unraisable.stream().anyMatch(u -> u.contains("too small")), unraisable.toString());
        heap.incref(x);
        heap.decref(fresh);
        gc.collect();
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseADoubleDecrefAfterTheBlockWasReusedByAnotherShape() {
        // A container with no fields: GC head + header = one 32-byte block, the size of an int.
        StructType empty = heap.defineStruct("Empty", MemoryLayout.structLayout(), StructOptions.DEFAULT.withFinalizer(o -> {
        }));
        long e = empty.allocate();
        heap.decref(e);
        long i = heap.newInt(1_000_000);
        assertEquals(e - 16, i, "the int reuses the block (LIFO cache)");
        RefHeapException ex = assertThrows(RefHeapException.class, () -> heap.decref(e));
        assertInstanceOf(UseAfterFreeException.class, ex.getClass() == RefcountException.class ? new UseAfterFreeException("") : ex);
        assertTrue(ex.getMessage().contains("Empty"), ex.getMessage());
        assertEquals(1, heap.getrefcount(i), "the int's count is untouched");
        assertEquals(1_000_000, heap.intValue(i));
        heap.decref(i);
        heap.verify();
    }

    @Test
    void shouldCatchAStaleAddressAfterSameShapedReuseOnlyInDebugMode() {
        Heap dbg = Heap.create(HeapConfig.defaults().withDebug(true));
        try {
            StructType pt = dbg.defineStruct("Point", MemoryLayout.structLayout(JAVA_LONG.withName("x")));
            long p = pt.allocate();
            dbg.decref(p);
            List<Long> fresh = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) { // same size class, same header place: reuse would be silent
                fresh.add(pt.allocate());
            }
            assertFalse(fresh.contains(p), "the quarantine keeps the freed block out of reuse");
            assertThrows(UseAfterFreeException.class, () -> pt.field("x").getLong(p));
            assertThrows(RefcountException.class, () -> dbg.decref(p));
            fresh.forEach(dbg::decref);
            dbg.verify();
            assertEquals(0, dbg.liveObjects());
        } finally {
            dbg.close();
        }
        // The default mode hands the block straight back: a same-shaped reuse cannot be told apart.
        StructType pt = heap.defineStruct("Point", MemoryLayout.structLayout(JAVA_LONG.withName("x")));
        long p = pt.allocate();
        heap.decref(p);
        long q = pt.allocate();
        assertEquals(p, q);
        heap.decref(q);
    }

    @Test
    void shouldReportAWriteAfterFreeInDebugMode() {
        Heap dbg = Heap.create(HeapConfig.defaults().withDebug(true));
        try {
            StructType pt = dbg.defineStruct("Point", MemoryLayout.structLayout(JAVA_LONG.withName("x"),
                    JAVA_LONG.withName("y")));
            long p = pt.allocate();
            dbg.decref(p);
            dbg.putLong(p + 24, 7); // what a stale pointer in native code would do
            HeapCorruptedException e = assertThrows(HeapCorruptedException.class, dbg::verify);
            assertTrue(e.getMessage().contains("after"), e.getMessage());
        } finally {
            dbg.close();
        }
    }

    @Test
    void shouldNotFreeWhatAFinalizerAllocatesAfterDroppingItsOwnReference() {
        long[] keep = {heap.newList()};
        long[] made = {0};
        StructType fin = heap.defineStruct("Fin", MemoryLayout.structLayout(JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withFinalizer(obj -> {
                    heap.decref(obj); // a reference it does not own
                    long s = heap.newStr("made in the finalizer");
                    made[0] = s;
                    heap.lists().append(keep[0], s);
                    heap.decref(s);
                }));
        long f = fin.allocate();
        heap.decref(f);
        assertTrue(heap.isLive(made[0]), "the finalizer's new object must survive");
        assertEquals("made in the finalizer", heap.strValue(heap.lists().get(keep[0], 0)));
        assertFalse(heap.isLive(f));
        assertTrue(unraisable.stream().anyMatch(u -> u.contains("dropped the reference")), unraisable.toString());
        heap.decref(keep[0]);
        assertEquals(0, heap.liveObjects());
        heap.verify();
    }

    /**
     * A cycle's finalizer drops the reference it was called with (ApiFuzzTest found it: the object's
     * count fell to zero while the other member of the cycle still referenced it, it was freed, and
     * the resurrection pass read freed memory). Both collectors, counts one and two.
     */
    @Test
    void shouldKeepACycleMemberWhoseFinalizerDropsItsBorrowedReference() {
        for (int extraRefs = 0; extraRefs <= 1; extraRefs++) { // the too-small counts last: they stay
            for (boolean stepped : new boolean[] {false, true}) {
                unraisable.clear();
                StructType fin = heap.defineStruct("FinCycle" + stepped + extraRefs, MemoryLayout.structLayout(
                        ADDRESS.withName("next"), ADDRESS.withName("other")), StructOptions.DEFAULT.withFinalizer(obj -> {
                            heap.decref(obj); // not its own: the collector's
                        }));
                StructType.Field next = fin.field("next");
                StructType.Field other = fin.field("other");
                long x = fin.allocate();
                long y = fin.allocate();
                next.setRef(x, y);
                next.setRef(y, x);
                if (extraRefs == 1) {
                    other.setRef(y, x); // x's count in the cycle is 2
                }
                heap.decref(x);
                heap.decref(y);
                Runnable collect = stepped ? () -> {
                    while (!gc.collectStep(1_000_000)) {
                        // steps until the cycle ends
                    }
                } : gc::collect;
                if (extraRefs == 1) {
                    // x keeps a count of 1 for 2 references: too small, and said so, naming it.
                    RefcountException e = assertThrows(RefcountException.class, collect::run);
                    assertTrue(e.getMessage().contains("FinCycle"), e.getMessage());
                    assertTrue(heap.isLive(x) && heap.isLive(y), "nothing freed under a reference");
                    continue;
                }
                collect.run();
                assertTrue(unraisable.stream().anyMatch(u -> u.contains("did not own")), unraisable.toString());
                heap.verify();
                // x is kept for y's reference until the cycle's next collection frees both.
                gc.collect();
                heap.verify();
                assertFalse(heap.isLive(x) || heap.isLive(y));
            }
        }
    }

    /**
     * A weakref condemned by a pause-bounded cycle (only garbage holds it) whose referent dies by its
     * count between two steps: the weakref is cleared, its callback never runs (IncrementalModelTest
     * program 7134210670249055678 had the callback called on its own condemned weakref).
     */
    @Test
    void shouldNotCallBackACondemnedWeakrefWhenItsReferentDiesBetweenSteps() {
        long referent = node.allocate();
        int[] calls = {0};
        long wr = heap.weakrefs().ref(referent, w -> calls[0]++);
        long x = node.allocate();
        long y = node.allocate();
        a.setRef(x, y);
        a.setRef(y, x);
        b.setRef(x, wr); // the weakref is held by the cycle alone
        heap.decref(wr);
        heap.decref(x);
        heap.decref(y);
        boolean done = false;
        for (int i = 0; i < 10_000 && !done && heap.isLive(wr); i++) {
            done = gc.collectStep(1);
        }
        assertFalse(done, "the cycle ended before it condemned the weakref");
        assertFalse(heap.isLive(wr), "the weakref must read as condemned between steps");
        heap.decref(referent); // dies by its count while its weakref is condemned
        while (!gc.collectStep(1_000_000)) {
            // to the cycle's end
        }
        assertEquals(0, calls[0], "a garbage weakref's callback ran");
        assertTrue(unraisable.isEmpty(), unraisable.toString());
        assertEquals(0, heap.liveObjects());
        heap.verify();
    }

    // ------------------------------------------------------------------ edges

    @Test
    void shouldRefuseAddressesNearTheEndsOfTheLongRange() {
        for (long bad : new long[] {Long.MIN_VALUE, Long.MIN_VALUE + 16, Long.MAX_VALUE - 15, -16, 0, 16,
                heap.base - 16, heap.limit, heap.limit - 8}) {
            assertFalse(heap.isLive(bad), Long.toHexString(bad));
            assertThrows(NotAnObjectException.class, () -> heap.incref(bad), Long.toHexString(bad));
            assertThrows(NotAnObjectException.class, () -> heap.decref(bad), Long.toHexString(bad));
            assertThrows(NotAnObjectException.class, () -> heap.lists().size(bad), Long.toHexString(bad));
        }
        heap.verify();
    }

    @Test
    void shouldAcceptAHeaderInTheLastSixteenBytesOfTheReservation() {
        // The range check itself: a 16-byte header may start at limit - 16 and no later.
        assertTrue(Long.compareUnsigned(heap.limit - 16 - heap.base, heap.limit - heap.base - 16) <= 0);
        long last = heap.limit - 16;
        assertFalse(heap.isLive(last)); // nothing there: no exception either
        NotAnObjectException e = assertThrows(NotAnObjectException.class, () -> heap.incref(last));
        assertTrue(e.getMessage().contains("no object header"), e.getMessage());
    }

    @Test
    void shouldZeroEveryCountOnFreezeAndNotReportFrozenReferrers() {
        gc.setThreshold(1000, 1000, 1000);
        long x = heap.newList();
        gc.collect(0);
        gc.collect(1);
        long y = heap.newList();
        heap.lists().append(y, x);
        assertNotEquals(0, gc.getCount()[1] + gc.getCount()[2]);
        gc.freeze();
        assertArrayEquals(new long[] {0, 0, 0}, gc.getCount());
        assertArrayEquals(new long[0], gc.getReferrers(x), "frozen referrers are not searched (CPython)");
        gc.unfreeze();
        assertArrayEquals(new long[] {y}, gc.getReferrers(x));
        heap.decref(y);
        heap.decref(x);
    }

    @Test
    void shouldKeepARefOwnedWhenClosedFromAnotherThread() throws Exception {
        Ref r = heap.own(heap.newList());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.close();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        t.join();
        assertInstanceOf(WrongThreadException.class, thrown.get());
        assertTrue(r.isOpen(), "the owner can still close it");
        r.close();
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseCloseFromAWeakrefCallback() {
        StructType leaf = heap.defineStruct("Leaf", MemoryLayout.structLayout(JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withWeakrefs()); // no GC head: dies straight through dealloc
        long x = leaf.allocate();
        List<Throwable> seen = new ArrayList<>();
        long wr = heap.weakrefs().ref(x, w -> {
            try {
                heap.close();
            } catch (Throwable e) {
                seen.add(e);
            }
        });
        heap.decref(x);
        assertEquals(1, seen.size());
        assertInstanceOf(IllegalStateException.class, seen.get(0));
        assertFalse(heap.isClosed());
        heap.decref(wr);
        heap.verify();
    }

    @Test
    void shouldGiveBackTheMemoryOfAClosedHeapEvenWhenObserved() {
        heap.registerMXBean();
        heap.close();
        assertTrue(heap.isClosed());
        assertThrows(IllegalStateException.class, () -> heap.newList());
    }

    @Test
    void shouldVerifyAndFindABrokenList() {
        long x = heap.newList();
        long y = heap.newList();
        heap.verify();
        long saved = heap.getLong(y - 8);
        heap.putLong(y - 8, saved | Collector.COLLECTING); // a flag left behind
        HeapCorruptedException e = assertThrows(HeapCorruptedException.class, heap::verify);
        assertTrue(e.getMessage().contains("flags"), e.getMessage());
        heap.putLong(y - 8, saved);
        heap.putLong(x, heap.getLong(x) + 5); // a count too high is fine
        heap.verify();
        heap.putLong(x, heap.getLong(x) - 5);
        long leaked = heap.mallocRaw(64); // a raw block nobody owns
        HeapCorruptedException leak = assertThrows(HeapCorruptedException.class, heap::verify);
        assertTrue(leak.getMessage().contains("0x" + Long.toHexString(leaked)) && leak.getMessage().contains("leak"),
                leak.getMessage());
        heap.freeRaw(leaked);
        heap.verify();
        heap.decref(x);
        heap.decref(y);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldPrintCollectableInCPythonsFormat() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        gc.setDebugOutput(new PrintStream(out, true));
        gc.setDebug(Gc.DEBUG_COLLECTABLE);
        long[] o = new long[2];
        long x = pairWithStr(o);
        heap.decref(x);
        gc.collect();
        String text = out.toString();
        assertTrue(text.contains("gc: collectable <Node 0x" + Long.toHexString(x) + ">"), text);
        assertTrue(text.contains("gc: collectable <Node 0x" + Long.toHexString(o[0]) + ">"), text);
    }
}
