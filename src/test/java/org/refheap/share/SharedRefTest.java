package org.refheap.share;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.RefcountException;
import org.refheap.StructType;
import org.refheap.UseAfterFreeException;
import org.refheap.WrongTypeException;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

class SharedRefTest {
    private Heap heap;
    private ExecutorService reader;

    @BeforeEach
    void open() {
        heap = Heap.create();
        reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "reader"));
    }

    @AfterEach
    void close() {
        reader.shutdownNow();
        heap.close();
    }

    /**
     * Runs {@code c} on the reader thread (the executor gives happens-before both ways), then
     * publishes its gathered decrements, as a pooled thread does at the end of a task.
     */
    private <T> T onReader(Callable<T> c) throws Exception {
        return reader.submit(() -> {
            try {
                return c.call();
            } finally {
                SharedRef.flushReleases();
            }
        }).get();
    }

    /** What {@code c} throws on the reader thread. */
    private Throwable thrownOnReader(Callable<?> c) throws Exception {
        return onReader(() -> {
            try {
                c.call();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
    }

    @Test
    void shouldReadAtomsFromAnotherThreadAndReleaseThroughTheOwner() throws Exception {
        long i = heap.newInt(1_000_003);
        long f = heap.newFloat(2.5);
        long s = heap.newStr("héllo \uD83D\uDE00");
        long b = heap.newBytes(new byte[] {1, 2, 3});
        SharedRef ri = heap.shareAcross(i);
        SharedRef rf = heap.shareAcross(f);
        SharedRef rs = heap.shareAcross(s);
        SharedRef rb = heap.shareAcross(b);
        assertEquals(2, heap.getrefcount(s));
        String read = onReader(() -> {
            try (ri; rf; rs; rb) {
                return ri.intValue() + " " + rf.floatValue() + " " + rs.strValue() + " " + rb.bytesValue().length
                        + " " + rs.typeName();
            }
        });
        assertEquals("1000003 2.5 héllo \uD83D\uDE00 3 str", read);
        assertEquals(2, heap.getrefcount(s), "a remote decrement waits for the owner");
        assertEquals(0, heap.drainRemote(), "no shared reference left open");
        for (long o : new long[] {i, f, s, b}) {
            assertEquals(1, heap.getrefcount(o));
            heap.decref(o);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldKeepAHandedOffObjectAliveUntilTheLastRemoteReferenceIsApplied() throws Exception {
        long s = heap.newStr("kept");
        SharedRef r = heap.handOff(s); // the owner's reference now belongs to the handle
        assertEquals(1, heap.getrefcount(s));
        SharedRef copy = onReader(() -> {
            SharedRef d = r.dup();
            r.close();
            return d;
        });
        assertEquals(1, heap.drainRemote(), "the dup is open");
        assertEquals(1, heap.getrefcount(s), "the dup's increment was applied before the original's decrement");
        assertEquals("kept", onReader(copy::strValue));
        onReader(() -> {
            copy.close();
            return null;
        });
        assertEquals(1, heap.liveObjects(), "freed only when the owner applies the decrement");
        heap.newList(); // an allocation is a safe point: the queue drains first
        assertEquals(1, heap.liveObjects(), "the str is gone, the list remains");
        assertFalse(heap.isLive(s));
    }

    @Test
    void shouldReadTuplesItemByItemAndTakeReferencesToItems() throws Exception {
        long name = heap.newStr("IBM");
        long inner = heap.newTuple(heap.newInt(70_000), heap.none());
        heap.decref(heap.tuples().get(inner, 0));
        long t = heap.newTuple(name, heap.newFloat(101.25), inner, heap.bool(true));
        heap.decref(heap.tuples().get(t, 1));
        heap.decref(name);
        heap.decref(inner);
        assertFalse(heap.gc().isTracked(t), "a tuple of immutable objects is never the collector's concern");
        SharedRef rt = heap.handOff(t);
        SharedRef item = onReader(() -> {
            assertEquals(4, rt.size());
            assertEquals("IBM", rt.strAt(0));
            assertEquals(101.25, rt.floatAt(1));
            assertEquals(1, rt.intAt(3));
            SharedRef in = rt.item(2);
            assertEquals(70_000, in.intAt(0));
            assertTrue(in.item(1).isNone());
            assertThrows(WrongTypeException.class, () -> rt.intAt(0));
            assertThrows(IndexOutOfBoundsException.class, () -> rt.item(4));
            rt.close();
            return in;
        });
        heap.drainRemote();
        assertEquals(2, heap.liveObjects(), "the inner tuple and its int, held by the item's handle");
        assertFalse(heap.isLive(t));
        assertEquals(1, heap.getrefcount(item.address()));
        onReader(() -> {
            item.close();
            return null;
        });
        assertEquals(0, heap.drainRemote());
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldQueueNothingForImmortalObjects() throws Exception {
        SharedRef none = heap.shareAcross(heap.none());
        SharedRef small = heap.shareAcross(heap.newInt(5));
        onReader(() -> {
            for (int k = 0; k < 1000; k++) {
                small.dup().close();
            }
            none.close();
            small.close();
            return null;
        });
        assertEquals(0, heap.drainRemote());
        assertEquals(0, small.home.appliedOperations());
    }

    @Test
    void shouldReclaimOnTheOwnerOnlyAndAfterApplyingPendingIncrements() throws Exception {
        long s = heap.newStr("back");
        SharedRef r = heap.handOff(s);
        SharedRef d = onReader(r::dup);
        Throwable t = thrownOnReader(d::reclaim);
        assertInstanceOf(WrongThreadException.class, t);
        assertTrue(t.getMessage().contains("reclaim"), t.getMessage());
        assertEquals(s, d.reclaim()); // drains: the dup's increment is applied first
        assertEquals(2, heap.getrefcount(s));
        r.close();
        heap.decref(s);
        assertEquals(0, heap.drainRemote());
        assertEquals(0, heap.liveObjects());
        assertThrows(IllegalStateException.class, d::reclaim);
    }

    // ================================================================== misuse

    @Test
    void shouldRefuseToShareMutableObjects() {
        long list = heap.newList();
        long dict = heap.newDict();
        StructType st = heap.defineStruct("P", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("x")));
        long p = st.allocate();
        long nested = heap.newTuple(heap.none(), heap.newTuple(list));
        for (long o : new long[] {list, dict, p, nested}) {
            WrongTypeException e = assertThrows(WrongTypeException.class, () -> heap.shareAcross(o));
            assertTrue(e.getMessage().contains("mutable") && e.getMessage().contains("tuple"), e.getMessage());
        }
        assertTrue(assertThrows(WrongTypeException.class, () -> heap.handOff(nested)).getMessage().contains("list"));
        assertEquals(1, heap.getrefcount(p), "nothing changed");
        assertThrows(RuntimeException.class, () -> heap.shareAcross(heap.newInt(1 << 20) + 8));
    }

    @Test
    void shouldRefuseMutationAndContainerReadsFromAnotherThreadSayingHowToShare() throws Exception {
        long list = heap.newList();
        long s = heap.newStr("x");
        heap.lists().append(list, s);
        List<Callable<?>> calls = new ArrayList<>();
        calls.add(() -> heap.lists().get(list, 0));
        calls.add(() -> heap.lists().size(list));
        calls.add(() -> {
            heap.lists().append(list, s);
            return null;
        });
        calls.add(() -> heap.strValue(s));
        calls.add(() -> {
            heap.decref(s);
            return null;
        });
        calls.add(() -> heap.shareAcross(s));
        calls.add(() -> heap.drainRemote());
        calls.add(() -> heap.newInt(100_000));
        for (Callable<?> c : calls) {
            Throwable t = thrownOnReader(c);
            assertInstanceOf(WrongThreadException.class, t);
            assertTrue(t.getMessage().contains("shareAcross"), t.getMessage());
        }
        assertEquals(2, heap.getrefcount(s));
        assertEquals(1, heap.lists().size(list));
    }

    @Test
    void shouldRefuseAHandleClosedTwiceOrReadAfterClose() throws Exception {
        SharedRef r = heap.handOff(heap.newStr("once"));
        Throwable t = thrownOnReader(() -> {
            r.close();
            r.close();
            return null;
        });
        assertInstanceOf(IllegalStateException.class, t);
        assertTrue(t.getMessage().contains("closed twice"), t.getMessage());
        assertInstanceOf(IllegalStateException.class, thrownOnReader(r::strValue));
        assertInstanceOf(IllegalStateException.class, thrownOnReader(r::dup));
        assertEquals(0, heap.drainRemote());
        assertEquals(0, heap.liveObjects(), "released once, not twice");
    }

    @Test
    void shouldReportAForgedHandleInADebugHeapAndChangeNoCount() throws Exception {
        try (Heap debug = Heap.create(HeapConfig.defaults().withDebug(true))) {
            List<Throwable> reported = new ArrayList<>();
            debug.setUnraisableHook((where, e) -> reported.add(e));
            long s = debug.newStr("never handed over");
            long held = debug.newStr("handed over");
            SharedRef legit = debug.handOff(held);
            SharedRef forged = new SharedRef(legit.home, s, legit.kind, false);
            onReader(() -> {
                forged.close();
                return null;
            });
            assertEquals(1, debug.drainRemote());
            assertEquals(1, reported.size(), reported.toString());
            assertInstanceOf(RefcountException.class, reported.get(0));
            assertTrue(reported.get(0).getMessage().contains("no shared reference holds"), reported.get(0).getMessage());
            assertEquals(1, debug.getrefcount(s), "the forged decrement was not applied");
            legit.close();
            debug.decref(s);
            assertEquals(0, debug.drainRemote());
            assertEquals(0, debug.liveObjects());
        }
    }

    @Test
    void shouldReportAStaleHandleOfAFreedObjectAndNotFreeItTwice() throws Exception {
        List<Throwable> reported = new ArrayList<>();
        heap.setUnraisableHook((where, e) -> reported.add(e));
        long s = heap.newStr("over-released");
        SharedRef r = heap.shareAcross(s);
        heap.decref(s);
        heap.decref(s); // the owner drops the handle's reference: a bug of the owner's
        Throwable t = thrownOnReader(r::strValue);
        assertInstanceOf(UseAfterFreeException.class, t);
        onReader(() -> {
            r.close();
            return null;
        });
        heap.drainRemote();
        assertEquals(1, reported.size());
        assertInstanceOf(RefcountException.class, reported.get(0));
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldInvalidateOutstandingHandlesWhenTheOwnerClosesTheHeap() throws Exception {
        SharedRef r = heap.handOff(heap.newStr("outlived"));
        SharedRef d = r.dup();
        heap.close();
        Throwable t = thrownOnReader(r::strValue);
        assertInstanceOf(IllegalStateException.class, t);
        assertTrue(t.getMessage().contains("was closed by its owner"), t.getMessage());
        assertInstanceOf(IllegalStateException.class, thrownOnReader(r::dup));
        assertNull(thrownOnReader(() -> {
            r.close(); // nothing left to release: quiet
            return null;
        }));
        assertInstanceOf(IllegalStateException.class, thrownOnReader(() -> {
            r.close();
            return null;
        }));
        assertInstanceOf(IllegalStateException.class, assertThrows(IllegalStateException.class, d::reclaim));
    }

    @Test
    void shouldNeverFreeWhatAReaderHoldsAcrossCollections() throws Exception {
        long s = heap.newStr("survivor");
        long t = heap.newTuple(s, heap.newInt(99_999));
        heap.decref(heap.tuples().get(t, 1));
        SharedRef r = heap.handOff(t);
        heap.decref(s);
        SharedRef item = onReader(() -> r.item(0));
        onReader(() -> {
            r.close();
            return null;
        });
        heap.gc().collect(); // drains: the item's increment, then the tuple's decrement
        assertFalse(heap.isLive(t));
        assertEquals(1, heap.getrefcount(s));
        assertEquals("survivor", onReader(item::strValue));
        item.close();
        heap.gc().collect();
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseToShareUnderAConfinedArena() {
        System.setProperty("refheap.confinedArena", "true");
        try (Heap confined = Heap.create()) {
            long s = confined.newStr("here only");
            assertThrows(IllegalStateException.class, () -> confined.shareAcross(s));
            confined.decref(s);
        } finally {
            System.clearProperty("refheap.confinedArena");
        }
    }
}
