package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One test per misuse a program can commit through the public API. Each asserts the exception type,
 * that its message names the bad value (an address in hex, an index, a budget, a name), that the
 * objects involved did not change, and that {@link Heap#verify()} passes afterwards: a misuse is an
 * exception, never a corruption.
 */
class MisuseCatalogueTest {
    private Heap heap;
    private StructType node;
    private StructType.Field next;
    private StructType.Field value;
    private final List<String> unraisable = new ArrayList<>();

    @BeforeEach
    void open() {
        heap = newHeap(false);
    }

    private Heap newHeap(boolean debug) {
        Heap h = Heap.create(HeapConfig.defaults().withMaxBytes(64L << 20).withDebug(debug));
        h.gc().disable();
        h.setUnraisableHook((where, error) -> unraisable.add(where + ": " + error));
        node = h.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("value"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
        next = node.field("next");
        value = node.field("value");
        return h;
    }

    @AfterEach
    void close() {
        if (!heap.isClosed()) {
            heap.verify();
            heap.close();
        }
    }

    /** The misuse throws {@code type} naming every one of {@code named}; the heap verifies after it. */
    private <T extends Throwable> T refused(Class<T> type, Executable misuse, String... named) {
        T e = assertThrows(type, misuse);
        for (String n : named) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(n),
                    () -> "the message should name " + n + ": " + e.getMessage());
        }
        if (!heap.isClosed()) {
            heap.verify();
        }
        return e;
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    /** Frees {@code x} and returns its address. */
    private long freed(long x) {
        heap.decref(x);
        return x;
    }

    /**
     * A container the pause-bounded cycle under way has condemned (marking is complete, it was found
     * unreachable), its address kept without a reference. The cycle is left between two steps.
     */
    private long condemned() {
        long x = node.allocate();
        next.setRef(x, x);
        heap.decref(x);
        while (!heap.gc().incrementalPhase().equals("sweep")) {
            assertFalse(heap.gc().collectStepWork(1), "the cycle ended before its sweep");
        }
        return x;
    }

    // ================================================================== counts

    @Test
    void shouldRefuseADoubleDecref() {
        long x = node.allocate();
        heap.decref(x);
        refused(RefcountException.class, () -> heap.decref(x), hex(x), "Node", "below zero");
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseIncrefAndEveryReadOfAFreedObject() {
        long x = freed(node.allocate());
        refused(UseAfterFreeException.class, () -> heap.incref(x), hex(x), "freed");
        refused(UseAfterFreeException.class, () -> heap.getrefcount(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.typeOf(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.isImmortal(x), hex(x));
        refused(UseAfterFreeException.class, () -> value.getLong(x), hex(x));
        refused(UseAfterFreeException.class, () -> next.setRef(x, 0), hex(x));
        refused(UseAfterFreeException.class, () -> heap.own(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.share(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.weakrefs().ref(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.weakrefs().getweakrefs(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.gc().getReferrers(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.gc().getReferents(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.gc().isTracked(x), hex(x));
        assertFalse(heap.isLive(x));
        assertEquals(0, heap.liveObjects());
    }

    /** A container type whose instances take a 32-byte block, as an int does: GC head and header only. */
    private StructType tiny() {
        return heap.defineStruct("Tiny", MemoryLayout.structLayout(), StructOptions.DEFAULT.withFinalizer(obj -> { }));
    }

    @Test
    void shouldRefuseADecrefOfAFreedContainerWhoseBlockAnAtomReused() {
        long t = tiny().allocate(); // header 16 bytes into its block, after the GC head
        heap.decref(t);
        long n = heap.newInt(1 << 20); // the same block, header at its start
        assertEquals(t - 16, n, "the allocator hands the freed block out again (LIFO)");
        refused(RefcountException.class, () -> heap.decref(t), hex(t), "Tiny", "freed");
        refused(UseAfterFreeException.class, () -> heap.incref(t), hex(t), "Tiny");
        assertEquals(1, heap.getrefcount(n));
        assertEquals(1 << 20, heap.intValue(n));
        heap.decref(n);
    }

    @Test
    void shouldRefuseAStaleAtomAddressWhoseBlockNowHoldsAContainersHead() {
        StructType tiny = tiny();
        long n = heap.newInt(1 << 20);
        heap.decref(n);
        long t = tiny.allocate();
        assertEquals(n + 16, t, "the 32-byte block is reused, the new header 16 bytes in");
        refused(NotAnObjectException.class, () -> heap.decref(n), hex(n));
        refused(NotAnObjectException.class, () -> heap.incref(n), hex(n));
        assertEquals(1, heap.getrefcount(t));
        heap.decref(t);
    }

    @Test
    void shouldTakeAStaleAddressReusedWithItsHeaderInPlaceForTheNewObject() {
        // Documented limit without debug mode: the heap cannot tell the old object from the new one.
        long a = heap.newStr("old");
        heap.decref(a);
        long b = heap.newStr("new");
        assertEquals(a, b);
        heap.incref(a);
        assertEquals(2, heap.getrefcount(b));
        heap.decref(a);
        heap.decref(b);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseAStaleAddressInDebugModeEvenOnceItsBlockHoldsAnObjectOfTheSameShape() {
        // Heap's Javadoc: "only a reuse by an object with its header at the same place makes it a live
        // object again (debug mode's quarantine delays that)".
        heap.close();
        heap = newHeap(true);
        long a = heap.newStr("old");
        heap.decref(a);
        long b = heap.newStr("new");
        assertNotEquals(a, b, "debug mode quarantines a freed block: a stale address must keep reading as freed");
        refused(RefcountException.class, () -> heap.decref(a), hex(a));
        assertEquals(1, heap.getrefcount(b));
        heap.decref(b);
    }

    @Test
    void shouldRefuseAStaleAddressWhoseBlockBecameAListsItemsHoldingATypeObject() {
        // Type objects are objects a list may hold (as list.append(int) in Python). A freed atom's block
        // reused as a list's item array then holds [item, type] where the atom's header was: the
        // stale address must not pass for a live object whose "count" is the item's address.
        long stale = heap.newInt(1 << 20);
        heap.decref(stale);
        long list = heap.newList();
        long item = heap.newStr("item");
        long intType = heap.type("int").address();
        heap.lists().append(list, item); // the item array, 4 slots: 32 bytes, the int's freed block
        heap.lists().append(list, intType);
        long items = heap.getLong(list + 32);
        if (items != stale) {
            fail("setup: the item array is at " + hex(items) + ", not in the freed block " + hex(stale));
        }
        assertFalse(heap.isLive(stale), "a stale address over an item array reads as a live object");
        refused(RuntimeException.class, () -> heap.incref(stale), hex(stale));
        assertEquals(item, heap.lists().get(list, 0), "the list's first item is intact");
        assertEquals(2, heap.getrefcount(item));
    }

    @Test
    void shouldRefuseAnInteriorAddressOfATupleHoldingATypeObject() {
        // Found by ApiFuzzTest (program seed -9017754381020754229): t + 16 holds the tuple's size (1,
        // a positive "count") then its first item (a type object's address, an "ob_type"). Passed for
        // an object, an incref there changed the tuple's size, and a list operation on it read out of
        // bounds.
        // Words shaped exactly like a header (a small count, then a type's address) cannot be told
        // from one without memory per object: the default mode documents it (DESIGN.md, "What each
        // mode catches"), debug mode refuses it by asking the allocator where blocks start.
        Heap dbg = Heap.create(HeapConfig.defaults().withDebug(true));
        try {
            long t = dbg.newTuple(dbg.type("list").address());
            long interior = t + 16;
            assertFalse(dbg.isLive(interior), "an address inside a tuple reads as a live object");
            assertThrows(NotAnObjectException.class, () -> dbg.incref(interior), hex(interior));
            assertThrows(NotAnObjectException.class, () -> dbg.lists().indexOf(interior, dbg.none()), hex(interior));
            assertEquals(1, dbg.tuples().size(t), "the tuple is untouched");
            assertEquals(1, dbg.getrefcount(t));
            dbg.verify();
        } finally {
            dbg.close();
        }
    }

    @Test
    void shouldNeverChangeImmortalsWhateverTheDecrefs() {
        long none = heap.none();
        long before = heap.getrefcount(none);
        for (int i = 0; i < 1000; i++) {
            heap.decref(none);
            heap.decref(heap.bool(true));
            heap.decref(heap.newInt(7));
            heap.decref(heap.gc().garbage());
        }
        assertEquals(before, heap.getrefcount(none));
        assertTrue(heap.isLive(heap.gc().garbage()));
        heap.lists().append(heap.gc().garbage(), heap.none());
        assertEquals(1, heap.lists().size(heap.gc().garbage()));
        heap.lists().clear(heap.gc().garbage());
        heap.verify();
    }

    @Test
    void shouldTolerateAFinalizerThatDecrefsItsOwnObjectFromDeallocAndReportIt() {
        StructType fin = heap.defineStruct("SelfDrop", MemoryLayout.structLayout(JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withFinalizer(obj -> heap.decref(obj)));
        long a = fin.allocate();
        heap.decref(a);
        assertEquals(1, unraisable.size(), unraisable.toString());
        assertTrue(unraisable.get(0).contains(hex(a)) && unraisable.get(0).contains("borrowed"), unraisable.get(0));
        assertFalse(heap.isLive(a));
        assertEquals(0, heap.liveObjects());
        heap.verify();
    }

    @Test
    void shouldTolerateAFinalizerThatDecrefsItsOwnObjectWhenTheCollectorFinalizesIt() {
        StructType fin = heap.defineStruct("SelfDropCycle", MemoryLayout.structLayout(ADDRESS.withName("self")),
                StructOptions.DEFAULT.withFinalizer(obj -> heap.decref(obj)));
        long a = fin.allocate();
        fin.field("self").setRef(a, a);
        heap.decref(a);
        assertEquals(1, heap.gc().collect(), "the cycle is found and freed once");
        assertEquals(1, unraisable.size(), unraisable.toString());
        assertTrue(unraisable.get(0).contains(hex(a)) && unraisable.get(0).contains("borrowed"), unraisable.get(0));
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
        heap.verify();
    }

    @Test
    void shouldTolerateAFinalizerThatDecrefsItsOwnObjectInAPauseBoundedCycle() {
        StructType fin = heap.defineStruct("SelfDropSteps", MemoryLayout.structLayout(ADDRESS.withName("self")),
                StructOptions.DEFAULT.withFinalizer(obj -> heap.decref(obj)));
        long a = fin.allocate();
        fin.field("self").setRef(a, a);
        heap.decref(a);
        while (!heap.gc().collectStepWork(2)) {
            heap.verify();
        }
        assertEquals(1, unraisable.size(), unraisable.toString());
        assertTrue(unraisable.get(0).contains("borrowed"), unraisable.get(0));
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldRefuseTheSecondDecrefOfAFinalizerThatDropsItsObjectTwice() {
        List<Throwable> inside = new ArrayList<>();
        StructType fin = heap.defineStruct("TwiceDrop", MemoryLayout.structLayout(JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withFinalizer(obj -> {
                    heap.decref(obj);
                    try {
                        heap.decref(obj);
                    } catch (RefHeapException e) {
                        inside.add(e);
                    }
                }));
        long a = fin.allocate();
        heap.decref(a);
        assertEquals(1, inside.size());
        assertInstanceOf(RefcountException.class, inside.get(0));
        assertTrue(inside.get(0).getMessage().contains(hex(a)), inside.get(0).getMessage());
        assertEquals(0, heap.liveObjects());
        heap.verify();
    }

    // ================================================================== close, threads

    @Test
    void shouldRefuseEveryCallAfterClose() {
        long s = heap.newStr("x");
        long l = heap.newList();
        long d = heap.newDict();
        long t = heap.newTuple(s);
        long n = node.allocate();
        long w = heap.weakrefs().ref(n);
        Ref r = heap.own(heap.newStr("held"));
        Gc gc = heap.gc();
        heap.close();
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("incref", () -> heap.incref(s));
        calls.put("decref", () -> heap.decref(s));
        calls.put("getrefcount", () -> heap.getrefcount(s));
        calls.put("isLive", () -> heap.isLive(s));
        calls.put("newInt", () -> heap.newInt(1 << 20));
        calls.put("newStr", () -> heap.newStr("y"));
        calls.put("newBytes", () -> heap.newBytes(new byte[1]));
        calls.put("newFloat", () -> heap.newFloat(1.5));
        calls.put("strValue", () -> heap.strValue(s));
        calls.put("newList", heap::newList);
        calls.put("append", () -> heap.lists().append(l, s));
        calls.put("list size", () -> heap.lists().size(l));
        calls.put("newDict", heap::newDict);
        calls.put("put", () -> heap.dicts().put(d, s, s));
        calls.put("newTuple", () -> heap.newTuple(s));
        calls.put("tuple get", () -> heap.tuples().get(t, 0));
        calls.put("allocate", node::allocate);
        calls.put("getLong", () -> value.getLong(n));
        calls.put("setRef", () -> next.setRef(n, s));
        calls.put("weakref", () -> heap.weakrefs().ref(n));
        calls.put("weakref get", () -> heap.weakrefs().get(w));
        calls.put("defineStruct", () -> heap.defineStruct("Late", MemoryLayout.structLayout(JAVA_LONG.withName("v"))));
        calls.put("collect", gc::collect);
        calls.put("collectStepWork", () -> gc.collectStepWork(10));
        calls.put("getObjects", gc::getObjects);
        calls.put("garbage", gc::garbage);
        calls.put("setDebug", () -> gc.setDebug(Gc.DEBUG_STATS));
        calls.put("verify", heap::verify);
        calls.put("stats", heap::stats);
        calls.put("own", () -> heap.own(s));
        calls.put("Ref.close", r::close);
        for (Map.Entry<String, Executable> c : calls.entrySet()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, c.getValue(), c.getKey());
            assertTrue(e.getMessage().contains("heap #" + heap.id()) && e.getMessage().contains("closed"),
                    c.getKey() + ": " + e.getMessage());
        }
        heap.close(); // twice is allowed
        assertTrue(heap.isClosed());
    }

    @Test
    void shouldRefuseEveryCallFromAnotherThreadAndChangeNothing() throws Exception {
        long s = heap.newStr("x");
        long l = heap.newList();
        heap.lists().append(l, s);
        long n = node.allocate();
        Ref r = heap.share(s);
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("incref", () -> heap.incref(s));
        calls.put("decref", () -> heap.decref(s));
        calls.put("getrefcount", () -> heap.getrefcount(s));
        calls.put("newStr", () -> heap.newStr("y"));
        calls.put("append", () -> heap.lists().append(l, s));
        calls.put("pop", () -> heap.lists().pop(l));
        calls.put("clear", () -> heap.lists().clear(l));
        calls.put("allocate", node::allocate);
        calls.put("setRef", () -> next.setRef(n, s));
        calls.put("weakref", () -> heap.weakrefs().ref(n));
        calls.put("collect", () -> heap.gc().collect());
        calls.put("collectStepWork", () -> heap.gc().collectStepWork(5));
        calls.put("verify", heap::verify);
        calls.put("close", heap::close);
        calls.put("Ref.close", r::close);
        calls.put("defineStruct", () -> heap.defineStruct("Other", MemoryLayout.structLayout(JAVA_LONG.withName("v"))));
        Map<String, Throwable> thrown = new LinkedHashMap<>();
        Thread t = new Thread(() -> {
            for (Map.Entry<String, Executable> c : calls.entrySet()) {
                try {
                    c.getValue().execute();
                    thrown.put(c.getKey(), null);
                } catch (Throwable e) {
                    thrown.put(c.getKey(), e);
                }
            }
        }, "intruder");
        t.start();
        t.join();
        for (String c : calls.keySet()) {
            Throwable e = thrown.get(c);
            assertInstanceOf(WrongThreadException.class, e, c);
            assertTrue(e.getMessage().contains("intruder") && e.getMessage().contains("heap #" + heap.id()),
                    c + ": " + e.getMessage());
        }
        assertFalse(heap.isClosed());
        assertTrue(r.isOpen(), "a Ref closed from another thread keeps its reference");
        assertEquals(3, heap.getrefcount(s), "ours, the list's and the Ref's");
        assertEquals(1, heap.lists().size(l));
        assertEquals(0, next.getRef(n));
        assertEquals(0, heap.weakrefs().getweakrefcount(n));
        assertEquals(3, heap.liveObjects());
        assertEquals(null, heap.type("Other"));
        heap.verify();
        r.close();
    }

    @Test
    void shouldCloseARefOnceAndRefuseItsAddressAfterwards() {
        long s = heap.newStr("x");
        Ref r = heap.share(s);
        r.close();
        r.close(); // again: nothing
        assertEquals(1, heap.getrefcount(s));
        refused(IllegalStateException.class, r::get, "closed");
        refused(IllegalStateException.class, r::release, "closed");
        Ref owning = heap.own(s);
        assertEquals(s, owning.release());
        owning.close(); // released: the reference is the caller's again
        assertEquals(1, heap.getrefcount(s));
        heap.decref(s);
    }

    @Test
    void shouldRefuseTheSecondCloseOfTwoRefsOwningOneReference() {
        long x = node.allocate();
        Ref first = heap.own(x);
        Ref second = heap.own(x); // misuse: one reference, two owners
        first.close(); // frees x
        refused(RefcountException.class, second::close, hex(x), "below zero");
        assertFalse(second.isOpen(), "the failed close still closed the handle: closing again does nothing");
        second.close();
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseAStructFieldOnAnotherHeapsObject() {
        try (Heap other = Heap.create()) {
            StructType otherNode = other.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("value"),
                    ADDRESS.withName("next")));
            long theirs = otherNode.allocate();
            long ours = node.allocate();
            refused(NotAnObjectException.class, () -> value.getLong(theirs), hex(theirs), "heap #" + other.id());
            refused(NotAnObjectException.class, () -> next.setRef(theirs, ours), hex(theirs), "heap #" + other.id());
            NotAnObjectException e = assertThrows(NotAnObjectException.class,
                    () -> otherNode.field("value").setLong(ours, 1));
            assertTrue(e.getMessage().contains(hex(ours)) && e.getMessage().contains("heap #" + heap.id()), e.getMessage());
            assertEquals(0, value.getLong(ours));
            assertEquals(1, other.getrefcount(theirs));
            other.verify();
        }
    }

    @Test
    void shouldRefuseToCloseOrVerifyFromInsideAFinalizerAWeakrefCallbackOrAGcCallback() {
        List<Throwable> inside = new ArrayList<>();
        StructType fin = heap.defineStruct("Closer", MemoryLayout.structLayout(ADDRESS.withName("next")),
                StructOptions.DEFAULT.withFinalizer(obj -> {
                    try {
                        heap.close();
                    } catch (IllegalStateException e) {
                        inside.add(e);
                    }
                    try {
                        heap.verify();
                    } catch (IllegalStateException e) {
                        inside.add(e);
                    }
                    assertEquals(0, heap.gc().collect(), "a collection from inside one does nothing");
                }));
        long a = fin.allocate();
        heap.decref(a); // finalizer from a count reaching zero
        long b = fin.allocate();
        fin.field("next").setRef(b, b);
        heap.decref(b);
        long target = node.allocate();
        long wr = heap.weakrefs().ref(target, w -> {
            try {
                heap.close();
            } catch (IllegalStateException e) {
                inside.add(e);
            }
            try {
                heap.verify();
            } catch (IllegalStateException e) {
                inside.add(e);
            }
        });
        next.setRef(target, target);
        heap.decref(target);
        heap.gc().callbacks().add((phase, info) -> {
            try {
                heap.close();
            } catch (IllegalStateException e) {
                inside.add(e);
            }
        });
        assertEquals(2, heap.gc().collect(), "the finalizable cycle and the node's");
        assertEquals(2 + 2 + 2 + 2, inside.size(), inside.toString());
        for (Throwable e : inside) {
            assertTrue(e.getMessage().contains("heap #" + heap.id()) && e.getMessage().contains("inside"), e.getMessage());
        }
        assertEquals(List.of(), unraisable);
        assertFalse(heap.isClosed());
        heap.gc().callbacks().clear();
        heap.decref(wr);
        assertEquals(0, heap.liveObjects());
    }

    // ================================================================== stores

    @Test
    void shouldRefuseStoringAFreedObjectAnywhereAndChangeNothing() {
        long l = heap.newList();
        long d = heap.newDict();
        long n = node.allocate();
        long k = heap.newStr("k");
        heap.lists().append(l, k);
        long x = freed(node.allocate());
        Map<String, Executable> stores = new LinkedHashMap<>();
        stores.put("append", () -> heap.lists().append(l, x));
        stores.put("insert", () -> heap.lists().insert(l, 0, x));
        stores.put("set", () -> heap.lists().set(l, 0, x));
        stores.put("put value", () -> heap.dicts().put(d, k, x));
        stores.put("put key", () -> heap.dicts().put(d, x, k));
        stores.put("get key", () -> heap.dicts().get(d, x));
        stores.put("tuple", () -> heap.newTuple(k, x));
        stores.put("field", () -> next.setRef(n, x));
        long live = heap.liveObjects();
        for (Map.Entry<String, Executable> s : stores.entrySet()) {
            NotAnObjectException e = refused(NotAnObjectException.class, s.getValue(), hex(x), "freed");
            assertTrue(e.getMessage().contains("cannot store") || s.getKey().equals("get key"), e.getMessage());
        }
        assertEquals(live, heap.liveObjects(), "nothing allocated");
        assertEquals(1, heap.lists().size(l));
        assertEquals(k, heap.lists().get(l, 0));
        assertEquals(0, heap.dicts().size(d));
        assertEquals(0, next.getRef(n));
        assertEquals(2, heap.getrefcount(k));
    }

    @Test
    void shouldRefuseStoringAnotherHeapsObject() {
        try (Heap other = Heap.create()) {
            long foreign = other.newStr("elsewhere");
            long l = heap.newList();
            long d = heap.newDict();
            long n = node.allocate();
            String owner = "heap #" + other.id();
            refused(NotAnObjectException.class, () -> heap.lists().append(l, foreign), hex(foreign), owner);
            refused(NotAnObjectException.class, () -> heap.dicts().put(d, foreign, heap.none()), hex(foreign), owner);
            refused(NotAnObjectException.class, () -> heap.newTuple(foreign), hex(foreign), owner);
            refused(NotAnObjectException.class, () -> next.setRef(n, foreign), hex(foreign), owner);
            refused(NotAnObjectException.class, () -> heap.incref(foreign), hex(foreign), owner);
            refused(NotAnObjectException.class, () -> heap.decref(foreign), hex(foreign), owner);
            assertEquals(1, other.getrefcount(foreign));
            other.verify();
        }
    }

    @Test
    void shouldRefuseAddressesThatHoldNoObject() {
        long x = node.allocate();
        long l = heap.newList();
        long[] bad = {0, 1, 8, 15, -16, x + 8, x + 16, x - 16, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 15,
                heap.base + 8, heap.base - 16, heap.limit, heap.limit - 16, heap.limit + 16};
        for (long a : bad) {
            String what = a == 0 ? "NULL" : hex(a);
            refused(NotAnObjectException.class, () -> heap.incref(a), what);
            refused(NotAnObjectException.class, () -> heap.decref(a), what);
            refused(NotAnObjectException.class, () -> heap.lists().append(l, a), what);
            refused(NotAnObjectException.class, () -> heap.lists().size(a), what);
            assertFalse(heap.isLive(a), what);
        }
        NotAnObjectException e = refused(NotAnObjectException.class, () -> heap.incref(x + 8), hex(x + 8));
        assertTrue(e.getMessage().contains("16-byte aligned"), e.getMessage());
        refused(NotAnObjectException.class, () -> heap.incref(0), "heap.none()");
        refused(NotAnObjectException.class, () -> heap.incref(Long.MIN_VALUE), "outside");
        assertEquals(1, heap.getrefcount(x));
        assertEquals(0, heap.lists().size(l));
    }

    @Test
    void shouldRefuseUnhashableKeysAndKeepTheDictAndKeyAsTheyWere() {
        long d = heap.newDict();
        long list = heap.newList();
        long dict = heap.newDict();
        long tupleOfList = heap.newTuple(heap.none(), list);
        long v = heap.newStr("v");
        refused(WrongTypeException.class, () -> heap.dicts().put(d, list, v), "unhashable", "list", hex(list));
        refused(WrongTypeException.class, () -> heap.dicts().put(d, dict, v), "unhashable", "dict", hex(dict));
        refused(WrongTypeException.class, () -> heap.dicts().put(d, tupleOfList, v), "unhashable", "list");
        refused(WrongTypeException.class, () -> heap.dicts().get(d, list), "unhashable");
        refused(WrongTypeException.class, () -> heap.dicts().remove(d, list), "unhashable");
        refused(WrongTypeException.class, () -> heap.dicts().containsKey(d, dict), "unhashable");
        assertEquals(0, heap.dicts().size(d));
        assertEquals(2, heap.getrefcount(list), "ours and the tuple's");
        assertEquals(1, heap.getrefcount(dict));
        assertEquals(1, heap.getrefcount(tupleOfList));
        assertEquals(1, heap.getrefcount(v));
    }

    // ================================================================== types, indexes, sizes

    @Test
    void shouldRefuseWrongTypesInEveryView() {
        StructType other = heap.defineStruct("Other", MemoryLayout.structLayout(JAVA_LONG.withName("value")));
        long l = heap.newList();
        long d = heap.newDict();
        long t = heap.newTuple(heap.none());
        long s = heap.newStr("s");
        long b = heap.newBytes(new byte[] {1});
        long i = heap.newInt(1 << 20);
        long f = heap.newFloat(0.5);
        long n = node.allocate();
        long o = other.allocate();
        long w = heap.weakrefs().ref(n);
        refused(WrongTypeException.class, () -> heap.lists().size(d), hex(d), "dict", "list");
        refused(WrongTypeException.class, () -> heap.lists().append(t, s), hex(t), "tuple");
        refused(WrongTypeException.class, () -> heap.dicts().size(l), hex(l), "list", "dict");
        refused(WrongTypeException.class, () -> heap.dicts().put(l, s, s), hex(l));
        refused(WrongTypeException.class, () -> heap.tuples().get(l, 0), hex(l), "tuple");
        refused(WrongTypeException.class, () -> heap.tuples().size(d), hex(d));
        refused(WrongTypeException.class, () -> heap.intValue(s), hex(s), "str", "int");
        refused(WrongTypeException.class, () -> heap.floatValue(i), hex(i), "float");
        refused(WrongTypeException.class, () -> heap.strValue(b), hex(b), "bytes", "str");
        refused(WrongTypeException.class, () -> heap.bytesValue(s), hex(s), "bytes");
        refused(WrongTypeException.class, () -> heap.boolValue(i), hex(i), "bool");
        refused(WrongTypeException.class, () -> heap.weakrefs().get(n), hex(n), "weakref");
        refused(WrongTypeException.class, () -> heap.weakrefs().isAlive(l), hex(l), "weakref");
        refused(WrongTypeException.class, () -> value.getLong(o), hex(o), "Node");
        refused(WrongTypeException.class, () -> next.setRef(l, s), hex(l), "Node");
        refused(WrongTypeException.class, () -> next.getLong(n), "next", "reference");
        refused(WrongTypeException.class, () -> value.getRef(n), "value", "reference");
        refused(WrongTypeException.class, () -> value.setRef(n, s), "value");
        refused(WrongTypeException.class, () -> value.getDouble(n), "value", "floating");
        refused(WrongTypeException.class, () -> new ListView(heap).wrap(d).size(), hex(d));
        refused(WrongTypeException.class, () -> new DictView(heap).wrap(l).size(), hex(l));
        assertEquals(0, heap.lists().size(l));
        assertEquals(0, next.getRef(n));
        assertEquals(1, heap.getrefcount(s));
        assertEquals(1, heap.getrefcount(f));
        assertEquals(1, heap.getrefcount(w));
    }

    @Test
    void shouldRefuseIndexesOutOfRangeAndKeepTheList() {
        Lists lists = heap.lists();
        long l = heap.newList();
        long a = heap.newStr("a");
        long b = heap.newStr("b");
        lists.append(l, a);
        lists.append(l, b);
        for (long i : new long[] {-1, 2, 3, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE + 1L}) {
            String named = "index " + i;
            refused(IndexOutOfBoundsException.class, () -> lists.get(l, i), named, hex(l), "size 2");
            refused(IndexOutOfBoundsException.class, () -> lists.set(l, i, a), named);
            refused(IndexOutOfBoundsException.class, () -> lists.pop(l, i), named);
            refused(IndexOutOfBoundsException.class, () -> lists.delete(l, i), named);
            if (i != 2) {
                refused(IndexOutOfBoundsException.class, () -> lists.insert(l, i, a), "index " + i);
            }
        }
        assertEquals(2, lists.size(l));
        assertEquals(a, lists.get(l, 0));
        assertEquals(b, lists.get(l, 1));
        assertEquals(2, heap.getrefcount(a));
        long empty = heap.newList();
        refused(IndexOutOfBoundsException.class, () -> lists.pop(empty), "empty", hex(empty));
        long t = heap.newTuple(a);
        refused(IndexOutOfBoundsException.class, () -> heap.tuples().get(t, 1), "index 1", "size 1");
        refused(IndexOutOfBoundsException.class, () -> heap.tuples().get(t, -1), "index -1");
        long d = heap.newDict();
        heap.dicts().put(d, a, b);
        refused(IndexOutOfBoundsException.class, () -> heap.dicts().keyAt(d, -1), "slot -1");
        refused(IndexOutOfBoundsException.class, () -> heap.dicts().valueAt(d, 1L << 40), "slot " + (1L << 40));
        assertEquals(-1, heap.dicts().nextSlot(d, Long.MAX_VALUE));
        long slot = heap.dicts().nextSlot(d, Long.MIN_VALUE);
        assertEquals(a, heap.dicts().keyAt(d, slot));
        assertEquals(4, heap.getrefcount(a), "ours, the list's, the tuple's and the dict's");
    }

    @Test
    void shouldRefuseNonPositiveStepBudgetsAndNegativeThresholds() {
        Gc gc = heap.gc();
        for (long budget : new long[] {0, -1, Long.MIN_VALUE}) {
            refused(IllegalArgumentException.class, () -> gc.collectStep(budget), Long.toString(budget));
            refused(IllegalArgumentException.class, () -> gc.collectStepWork(budget), Long.toString(budget));
        }
        assertEquals("idle", gc.incrementalPhase(), "a refused step starts nothing");
        int[] before = gc.getThreshold();
        refused(IllegalArgumentException.class, () -> gc.setThreshold(-1), "-1");
        refused(IllegalArgumentException.class, () -> gc.setThreshold(5, -2), "-2");
        refused(IllegalArgumentException.class, () -> gc.setThreshold(5, 5, Integer.MIN_VALUE),
                Integer.toString(Integer.MIN_VALUE));
        refused(IllegalArgumentException.class, () -> gc.setThreshold(1, 2, 3, 4), "4");
        assertEquals(before[0], gc.getThreshold()[0]);
        assertEquals(before[1], gc.getThreshold()[1], "a refused call sets none of its thresholds");
        refused(IllegalArgumentException.class, () -> gc.collect(-1), "-1");
        refused(IllegalArgumentException.class, () -> gc.collect(3), "3");
        refused(IllegalArgumentException.class, () -> gc.getObjects(3), "3");
        refused(IllegalArgumentException.class, () -> gc.setDebug(8), "0x8");
        refused(IllegalArgumentException.class, () -> gc.setDebug(-1), "0x");
        assertEquals(0, gc.getDebug());
    }

    @Test
    void shouldRefuseBadHeapConfigurations() {
        for (long max : new long[] {-1, 0, HeapConfig.MIN_MAX_BYTES - 1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HeapConfig.defaults().withMaxBytes(max));
            assertTrue(e.getMessage().contains(Long.toString(max)), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeapConfig.defaults().withPreTouchBytes(-4096));
        assertTrue(e.getMessage().contains("-4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HeapConfig.defaults().withReleasePolicy(null));
    }

    // ================================================================== nulls

    @Test
    void shouldRefuseNullArgumentsWithIllegalArgumentException() {
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("newStr(null)", () -> heap.newStr(null));
        calls.put("newBytes(null)", () -> heap.newBytes(null));
        calls.put("newTuple(null)", () -> heap.newTuple((long[]) null));
        calls.put("defineStruct(null name)", () -> heap.defineStruct(null, MemoryLayout.structLayout(JAVA_LONG.withName("v"))));
        calls.put("defineStruct(empty name)", () -> heap.defineStruct("", MemoryLayout.structLayout(JAVA_LONG.withName("v"))));
        calls.put("defineStruct(null layout)", () -> heap.defineStruct("NoLayout", null));
        calls.put("defineStruct(null options)", () -> heap.defineStruct("NoOptions",
                MemoryLayout.structLayout(JAVA_LONG.withName("v")), null));
        calls.put("setUnraisableHook(null)", () -> heap.setUnraisableHook(null));
        calls.put("field(null)", () -> node.field(null));
        calls.put("Heap.create(null)", () -> Heap.create(null).close());
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Executable> c : calls.entrySet()) {
            Throwable e = assertThrows(Throwable.class, c.getValue(), c.getKey());
            if (!(e instanceof IllegalArgumentException)) {
                wrong.add(c.getKey() + " threw " + e);
            }
        }
        assertEquals(List.of(), wrong, "null arguments must be IllegalArgumentExceptions");
        assertEquals(null, heap.type("NoLayout"));
        assertEquals(null, heap.type("NoOptions"));
        assertEquals(0, heap.liveObjects());
        heap.verify();
        heap.newStr("the hook is still in place");
    }

    @Test
    void shouldRefuseANullGcCallbackOrAtLeastNeverReportAnNpeFromIt() {
        try {
            heap.gc().callbacks().add(null);
        } catch (NullPointerException | IllegalArgumentException refused) {
            return; // refused where it was added: fine
        }
        heap.gc().collect();
        assertEquals(List.of(), unraisable, "a null callback accepted, then a NullPointerException at every collection");
    }

    // ================================================================== weakrefs, structs

    @Test
    void shouldRefuseAWeakrefToAnObjectThatCannotHaveOne() {
        StructType plain = heap.defineStruct("Plain", MemoryLayout.structLayout(JAVA_LONG.withName("v")));
        long p = plain.allocate();
        long l = heap.newList();
        long s = heap.newStr("s");
        refused(WrongTypeException.class, () -> heap.weakrefs().ref(p), hex(p), "Plain", "withWeakrefs");
        refused(WrongTypeException.class, () -> heap.weakrefs().ref(l, w -> { }), hex(l), "list");
        refused(WrongTypeException.class, () -> heap.weakrefs().ref(s), hex(s), "str");
        refused(WrongTypeException.class, () -> heap.weakrefs().ref(heap.none()), "NoneType");
        assertEquals(3, heap.liveObjects(), "no weakref object left behind");
        assertEquals(0, heap.weakrefs().getweakrefcount(p));
    }

    @Test
    void shouldRefuseDefiningAStructTwiceOrWithABadLayout() {
        StructLayout ok = MemoryLayout.structLayout(JAVA_LONG.withName("v"));
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Node", ok), "Node", "already exists");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("int", ok), "int", "already exists");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Unnamed",
                MemoryLayout.structLayout(JAVA_LONG)), "Unnamed", "no name");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Twice",
                MemoryLayout.structLayout(JAVA_LONG.withName("v"), JAVA_LONG.withName("v"))), "Twice", "'v'");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Nested",
                MemoryLayout.structLayout(MemoryLayout.structLayout(JAVA_LONG.withName("x")).withName("inner"))),
                "Nested", "inner");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Seq",
                MemoryLayout.structLayout(MemoryLayout.sequenceLayout(4, JAVA_INT).withName("arr"))), "Seq", "arr");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Wide",
                MemoryLayout.structLayout(JAVA_LONG.withName("v")).withByteAlignment(32)), "Wide", "32");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Huge",
                MemoryLayout.structLayout(MemoryLayout.paddingLayout(1L << 31), JAVA_LONG.withName("v"))), "Huge");
        refused(IllegalArgumentException.class, () -> heap.defineStruct("Skewed",
                MemoryLayout.structLayout(JAVA_INT.withName("i"), ADDRESS.withName("r").withByteAlignment(4))),
                "Skewed", "'r'");
        for (String n : new String[] {"Unnamed", "Twice", "Nested", "Seq", "Wide", "Huge", "Skewed"}) {
            assertEquals(null, heap.type(n), n + " must not be half defined");
        }
        StructType again = heap.defineStruct("Twice", MemoryLayout.structLayout(JAVA_LONG.withName("v"),
                JAVA_BYTE.withName("w")));
        assertEquals("Twice", again.name(), "a refused name is still free");
    }

    @Test
    void shouldEitherRefuseAPackedLayoutOrReadAndWriteItsFields() {
        StructLayout packed = MemoryLayout.structLayout(JAVA_BYTE.withName("b"),
                JAVA_INT.withByteAlignment(1).withName("i"), JAVA_DOUBLE.withByteAlignment(1).withName("d"));
        StructType p;
        try {
            p = heap.defineStruct("Packed", packed);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("'i'") || e.getMessage().contains("align"), e.getMessage());
            return; // refused where it was declared: fine
        }
        long x = p.allocate();
        p.field("i").setLong(x, 7); // at offset 1: the type was accepted, so its fields must work
        p.field("d").setDouble(x, 7.5);
        assertEquals(7, p.field("i").getLong(x));
        assertEquals(7.5, p.field("d").getDouble(x));
        heap.decref(x);
    }

    // ================================================================== the pause-bounded collector

    @Test
    void shouldRefuseEveryUseOfACondemnedObjectBetweenSteps() {
        long x = condemned();
        long l = heap.newList();
        long d = heap.newDict();
        long n = node.allocate();
        refused(UseAfterFreeException.class, () -> heap.incref(x), hex(x), "unreachable");
        refused(UseAfterFreeException.class, () -> heap.getrefcount(x), hex(x));
        refused(UseAfterFreeException.class, () -> next.getRef(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.weakrefs().ref(x), hex(x));
        refused(UseAfterFreeException.class, () -> heap.share(x), hex(x));
        refused(NotAnObjectException.class, () -> heap.lists().append(l, x), hex(x), "unreachable");
        refused(NotAnObjectException.class, () -> heap.dicts().put(d, x, x), hex(x));
        refused(NotAnObjectException.class, () -> heap.newTuple(x), hex(x));
        refused(NotAnObjectException.class, () -> next.setRef(n, x), hex(x));
        assertFalse(heap.isLive(x));
        assertEquals(0, heap.lists().size(l));
        assertEquals(0, next.getRef(n));
        while (!heap.gc().collectStepWork(1)) {
            heap.verify();
        }
        assertFalse(heap.isLive(x));
        assertEquals(3, heap.liveObjects());
    }

    @Test
    void shouldRefuseBadArgumentsOfGcQueriesBeforeFinishingTheCycleUnderWay() {
        // getObjects, getReferrers and the like finish a pause-bounded cycle first (its objects are on
        // no list until it ends); a call refused for its argument must not have done that.
        long x = node.allocate();
        next.setRef(x, x);
        heap.decref(x);
        long stale = freed(heap.newList());
        heap.gc().collectStepWork(1);
        assertEquals("snapshot", heap.gc().incrementalPhase());
        refused(IllegalArgumentException.class, () -> heap.gc().getObjects(3), "3");
        assertEquals("snapshot", heap.gc().incrementalPhase(), "getObjects(3) finished the cycle before refusing");
        refused(UseAfterFreeException.class, () -> heap.gc().getReferrers(stale), hex(stale));
        assertEquals("snapshot", heap.gc().incrementalPhase(), "getReferrers(freed) finished the cycle before refusing");
        assertEquals(1, heap.liveObjects(), "the cycle's garbage is still there");
        heap.gc().collect();
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldReadAWeakrefToACondemnedObjectAsDead() {
        long x = node.allocate();
        long wr = heap.weakrefs().ref(x);
        next.setRef(x, x);
        heap.decref(x);
        while (true) {
            heap.gc().collectStepWork(1);
            if (heap.gc().incrementalPhase().equals("sweep")) {
                break;
            }
            assertEquals(x, heap.weakrefs().get(wr), "alive until the mark is complete");
        }
        assertEquals(heap.none(), heap.weakrefs().get(wr));
        assertFalse(heap.weakrefs().isAlive(wr));
        heap.gc().collect();
        assertEquals(heap.none(), heap.weakrefs().get(wr));
        heap.decref(wr);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseAGarbageObjectThatSurvivedItsClearWhileTheCycleDeletes() {
        // a = [a] and c = [a, c], both garbage. The delete phase clears a first: a survives (c still
        // holds it), emptied. It is still garbage of the cycle: the program must not get it back.
        Lists lists = heap.lists();
        long a = heap.newList();
        lists.append(a, a);
        long c = heap.newList();
        lists.append(c, a);
        lists.append(c, c);
        heap.decref(a);
        heap.decref(c);
        while (!heap.gc().incrementalPhase().equals("delete")) {
            heap.gc().collectStepWork(1);
        }
        heap.gc().collectStepWork(1); // clears a only
        assertEquals("delete", heap.gc().incrementalPhase());
        assertFalse(heap.isLive(a), "a cleared garbage object reads as live between steps");
        refused(UseAfterFreeException.class, () -> heap.incref(a), hex(a));
        long l = heap.newList();
        refused(NotAnObjectException.class, () -> lists.append(l, a), hex(a));
        heap.gc().collect();
        assertEquals(1, heap.liveObjects());
    }
}
