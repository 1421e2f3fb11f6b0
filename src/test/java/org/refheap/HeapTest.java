package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapTest {
    private Heap heap;
    private StructType node;
    private StructType.Field next;
    private StructType.Field value;

    @BeforeEach
    void open() {
        heap = Heap.create();
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("value"), ADDRESS.withName("next")));
        next = node.field("next");
        value = node.field("value");
    }

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void shouldStartEmptyWithImmortalBuiltins() {
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
        assertTrue(heap.isImmortal(heap.none()));
        assertTrue(heap.isImmortal(heap.bool(true)));
        assertTrue(heap.isImmortal(heap.newInt(256)));
        assertFalse(heap.isImmortal(heap.newInt(257)) && false);
        assertEquals(heap.newInt(-5), heap.newInt(-5), "small ints are cached");
    }

    @Test
    void shouldCountReferencesLikePython() {
        long x = node.allocate();
        assertEquals(1, heap.getrefcount(x));
        long l = heap.newList();
        heap.lists().append(l, x);
        assertEquals(2, heap.getrefcount(x));
        long holder = node.allocate();
        next.setRef(holder, x);
        assertEquals(3, heap.getrefcount(x));
        next.setRef(holder, 0);
        assertEquals(2, heap.getrefcount(x));
        heap.lists().clear(l);
        assertEquals(1, heap.getrefcount(x));
        heap.decref(x);
        assertFalse(heap.isLive(x));
        heap.decref(l);
        heap.decref(holder);
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldNeverChangeTheCountOfImmortals() {
        long none = heap.none();
        long before = heap.getrefcount(none);
        for (int i = 0; i < 10; i++) {
            heap.decref(none);
        }
        heap.incref(none);
        assertEquals(before, heap.getrefcount(none));
    }

    @Test
    void shouldFreeAtZeroAndReleaseWhatOnlyItHeld() {
        long a = node.allocate();
        long b = node.allocate();
        next.setRef(a, b);
        heap.decref(b);
        assertEquals(1, heap.getrefcount(b));
        assertEquals(2, heap.liveObjects());
        heap.decref(a);
        assertEquals(0, heap.liveObjects());
        assertFalse(heap.isLive(a));
        assertFalse(heap.isLive(b));
    }

    @Test
    void shouldFreeTenMillionLongChainInOneDecrefWithoutRecursion() {
        long head = node.allocate();
        long cur = head;
        for (int i = 1; i < 10_000_000; i++) {
            long n = node.allocate();
            next.setRef(cur, n);
            heap.decref(n);
            cur = n;
        }
        assertEquals(10_000_000, heap.liveObjects());
        heap.decref(head);
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldFreeDeeplyNestedListsAndDictsWithoutRecursion() {
        long outer = heap.newList();
        long cur = outer;
        for (int i = 0; i < 1_000_000; i++) {
            long inner = (i & 1) == 0 ? heap.newList() : heap.newDict();
            if (heap.typeOf(cur).name().equals("list")) {
                heap.lists().append(cur, inner);
            } else {
                long k = heap.newStr("k");
                heap.dicts().put(cur, k, inner);
                heap.decref(k);
            }
            heap.decref(inner);
            cur = inner;
        }
        heap.decref(outer);
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldRejectDecrefOfAFreedObject() {
        long x = node.allocate();
        heap.decref(x);
        RefHeapException e = assertThrows(RefHeapException.class, () -> heap.decref(x));
        assertInstanceOf(RefcountException.class, e);
        assertTrue(e.getMessage().contains("0x" + Long.toHexString(x)), e.getMessage());
        assertTrue(e.getMessage().contains("Node"), e.getMessage());
        assertTrue(e.getMessage().contains("below zero"), e.getMessage());
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRejectEveryUseOfAFreedObject() {
        long x = node.allocate();
        long list = heap.newList();
        heap.decref(x);
        assertThrows(UseAfterFreeException.class, () -> heap.incref(x));
        assertThrows(UseAfterFreeException.class, () -> heap.getrefcount(x));
        assertThrows(UseAfterFreeException.class, () -> value.getLong(x));
        assertThrows(UseAfterFreeException.class, () -> value.setLong(x, 1));
        NotAnObjectException e = assertThrows(NotAnObjectException.class, () -> heap.lists().append(list, x));
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        assertEquals(0, heap.lists().size(list));
        heap.decref(list);
    }

    @Test
    void shouldRejectAddressesThatAreNotObjects() {
        long x = node.allocate();
        assertThrows(NotAnObjectException.class, () -> heap.incref(0));
        assertThrows(NotAnObjectException.class, () -> heap.incref(x + 8));
        assertThrows(NotAnObjectException.class, () -> heap.incref(x + 16));
        assertThrows(NotAnObjectException.class, () -> heap.decref(12345));
        assertThrows(NotAnObjectException.class, () -> heap.getrefcount(Long.MAX_VALUE - 15));
        NotAnObjectException e = assertThrows(NotAnObjectException.class, () -> heap.decref(-16));
        assertTrue(e.getMessage().contains("0x"), e.getMessage());
        assertEquals(1, heap.getrefcount(x));
        heap.decref(x);
    }

    @Test
    void shouldRejectWrongTypes() {
        long d = heap.newDict();
        long s = heap.newStr("s");
        WrongTypeException e = assertThrows(WrongTypeException.class, () -> heap.lists().append(d, s));
        assertTrue(e.getMessage().contains("dict") && e.getMessage().contains("list"), e.getMessage());
        assertThrows(WrongTypeException.class, () -> heap.intValue(s));
        assertThrows(WrongTypeException.class, () -> value.getLong(d));
        assertThrows(WrongTypeException.class, () -> next.getLong(node.allocate()));
        assertThrows(WrongTypeException.class, () -> heap.dicts().put(d, heap.newList(), s), "unhashable key");
        assertEquals(1, heap.getrefcount(s));
    }

    @Test
    void shouldRejectReferencesToAnotherHeap() {
        try (Heap other = Heap.create()) {
            long foreign = other.newStr("elsewhere");
            long list = heap.newList();
            long n = node.allocate();
            NotAnObjectException e = assertThrows(NotAnObjectException.class, () -> heap.lists().append(list, foreign));
            assertTrue(e.getMessage().contains("heap #" + other.id), e.getMessage());
            assertThrows(NotAnObjectException.class, () -> next.setRef(n, foreign));
            assertThrows(NotAnObjectException.class, () -> heap.newTuple(foreign));
            assertEquals(0, heap.lists().size(list));
            assertEquals(0, next.getRef(n));
            assertEquals(1, other.getrefcount(foreign));
        }
    }

    @Test
    void shouldBelongToItsThread() throws Exception {
        long x = node.allocate();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                heap.incref(x);
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "intruder");
        t.start();
        t.join();
        assertInstanceOf(WrongThreadException.class, thrown.get());
        assertTrue(thrown.get().getMessage().contains("intruder"), thrown.get().getMessage());
        assertEquals(1, heap.getrefcount(x));
    }

    @Test
    void shouldRefuseEveryUseAfterClose() {
        Heap h = Heap.create();
        long s = h.newStr("x");
        h.close();
        assertThrows(IllegalStateException.class, () -> h.incref(s));
        assertThrows(IllegalStateException.class, h::newList);
        assertThrows(IllegalStateException.class, () -> h.strValue(s));
        h.close(); // twice is fine
    }

    @Test
    void shouldHandOwnershipToRefAndReleaseOnce() {
        long x = node.allocate();
        try (Ref r = heap.own(x)) {
            try (Ref s = heap.share(x)) {
                assertEquals(2, heap.getrefcount(s.get()));
            }
            assertEquals(1, heap.getrefcount(r.get()));
        }
        assertFalse(heap.isLive(x));
        Ref r = heap.own(node.allocate());
        long kept = r.release();
        r.close();
        assertEquals(1, heap.getrefcount(kept));
        assertThrows(IllegalStateException.class, r::get);
        heap.decref(kept);
    }

    @Test
    void shouldStoreStructFieldsAtTheirLayoutOffsets() {
        StructType order = heap.defineStruct("Order", MemoryLayout.structLayout(
                JAVA_LONG.withName("id"), java.lang.foreign.ValueLayout.JAVA_INT.withName("qty"),
                java.lang.foreign.ValueLayout.JAVA_INT.withName("side"),
                java.lang.foreign.ValueLayout.JAVA_DOUBLE.withName("price"), ADDRESS.withName("level")));
        long o = order.allocate();
        assertEquals(0, order.field("id").getLong(o));
        assertEquals(0, order.field("level").getRef(o));
        order.field("id").setLong(o, 7);
        order.field("qty").setLong(o, -3);
        order.field("price").setDouble(o, 101.25);
        assertEquals(7, order.field("id").getLong(o));
        assertEquals(-3, order.field("qty").getLong(o));
        assertEquals(101.25, order.field("price").getDouble(o));
        assertEquals(16 + 8, order.field("qty").offset());
        assertTrue(order.type().isContainer());
        assertTrue(node.type().isContainer(), "Node has references: it carries a GC head");
        assertThrows(IllegalArgumentException.class, () -> order.field("nope"));
        assertThrows(IllegalArgumentException.class, () -> heap.defineStruct("Order", MemoryLayout.structLayout(JAVA_LONG.withName("x"))));
        assertThrows(WrongTypeException.class, () -> order.field("price").setLong(o, 1));
        heap.decref(o);
    }

    @Test
    void shouldReportFiguresByType() {
        long a = node.allocate();
        long s = heap.newStr("hello");
        long l = heap.newList();
        HeapStats st = heap.stats();
        assertEquals(3, st.liveObjects());
        assertEquals(1L, st.liveByType().get("Node"));
        assertEquals(1L, st.liveByType().get("str"));
        assertEquals(1L, st.liveByType().get("list"));
        assertTrue(st.bytesInUse() > 0 && st.bytesCommitted() >= st.bytesInUse());
        assertTrue(st.arenasInUse() >= 1);
        heap.decref(a);
        heap.decref(s);
        heap.decref(l);
        assertEquals(0, heap.stats().liveObjects());
        assertTrue(heap.stats().peakBytesInUse() >= st.bytesInUse());
    }

    @Test
    void shouldFailClearlyWhenTheHeapIsFullAndStayConsistent() {
        try (Heap small = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 20))) {
            long list = small.newList();
            long[] held = {0}; // the str the loop owns when the heap runs out (if the append failed)
            HeapExhaustedException e = assertThrows(HeapExhaustedException.class, () -> {
                while (true) {
                    held[0] = small.newStr("a string that takes some room in the heap");
                    small.lists().append(list, held[0]);
                    small.decref(held[0]);
                    held[0] = 0;
                }
            });
            assertTrue(e.getMessage().contains(Long.toString(4L << 20)), e.getMessage());
            if (held[0] != 0) {
                assertEquals(1, small.getrefcount(held[0]), "a failed append takes no reference");
                small.decref(held[0]);
            }
            small.verify();
            long n = small.lists().size(list);
            assertEquals(n + 1, small.liveObjects());
            small.decref(list);
            assertEquals(0, small.liveObjects());
            assertEquals(0, small.bytesInUse());
            small.decref(small.newStr("usable again"));
        }
    }

    @Test
    void shouldPoisonFreedMemoryInDebugMode() {
        try (Heap dbg = Heap.create(HeapConfig.defaults().withDebug(true))) {
            long s = dbg.newStr("poison me");
            long l = dbg.newList();
            dbg.decref(s);
            dbg.decref(l);
            assertEquals((byte) 0xDD, dbg.seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, s + 40 - dbg.base));
            assertThrows(UseAfterFreeException.class, () -> dbg.strValue(s));
            assertThrows(UseAfterFreeException.class, () -> dbg.lists().size(l));
            assertThrows(RefcountException.class, () -> dbg.decref(s));
        }
    }

    @Test
    void shouldGiveDistinctStrsEqualKeys() {
        long d = heap.newDict();
        long k1 = heap.newStr("price");
        long k2 = heap.newStr("price");
        assertNotEquals(k1, k2);
        long v = heap.newInt(1000);
        heap.dicts().put(d, k1, v);
        assertEquals(v, heap.dicts().get(d, k2));
        long t1 = heap.newTuple(heap.newInt(1), k1);
        long t2 = heap.newTuple(heap.newInt(1), k2);
        heap.dicts().put(d, t1, v);
        assertEquals(v, heap.dicts().get(d, t2));
        assertEquals(2, heap.dicts().size(d));
        assertTrue(heap.dicts().remove(d, t2));
        assertFalse(heap.dicts().containsKey(d, t1));
        assertEquals(0, heap.dicts().get(d, heap.newStr("absent")));
    }
}
