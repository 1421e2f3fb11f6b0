package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.refheap.layout.BuiltinLayouts.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A heap that runs out of memory mid-operation: the operation either completes or throws
 * {@link HeapExhaustedException} having changed nothing, and every figure stays exact.
 */
class ExhaustionTest {
    private Heap heap;

    @BeforeEach
    void open() {
        heap = Heap.create(HeapConfig.defaults().withMaxBytes(HeapConfig.MIN_MAX_BYTES));
    }

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void shouldLeaveNoHalfMadeStructTypeWhenItsNameCannotBeAllocated() {
        StructLayout layout = MemoryLayout.structLayout(JAVA_LONG.withName("x"), ADDRESS.withName("next"));
        long live = heap.liveObjects();
        long bytes = heap.bytesInUse();
        HeapFiller filler = HeapFiller.fill(heap);
        assertThrows(HeapExhaustedException.class, () -> heap.defineStruct("Late", layout));
        assertNull(heap.type("Late"), "the failed definition left a type registered");
        assertEquals(live, heap.liveObjects());
        filler.release();
        assertEquals(bytes, heap.bytesInUse());

        StructType late = heap.defineStruct("Late", layout);
        assertEquals(late.type(), heap.type("Late"));
        long o = late.allocate();
        assertEquals("Late", heap.typeOf(o).name());
        late.field("x").setLong(o, 5);
        assertEquals(5, late.field("x").getLong(o));
        heap.decref(o);
        assertEquals(live, heap.liveObjects());
    }

    @Test
    void shouldFreeTheNameWhenTheTypeAreaIsFull() {
        MemoryLayout[] refs = new MemoryLayout[30_000];
        for (int i = 0; i < refs.length; i++) {
            refs[i] = ADDRESS.withName("r" + i);
        }
        StructLayout wide = MemoryLayout.structLayout(refs); // a 240 KB type object: two fill the 512 KiB area
        int defined = 0;
        RefHeapException full = null;
        while (full == null) {
            long live = heap.liveObjects();
            long bytes = heap.bytesInUse();
            String name = "Wide" + defined;
            try {
                heap.defineStruct(name, wide);
                defined++;
            } catch (RefHeapException e) {
                full = e;
                assertNull(heap.type(name));
                assertEquals(live, heap.liveObjects(), "the name of the refused type was left alive");
                assertEquals(bytes, heap.bytesInUse(), "the name of the refused type was left allocated");
            }
        }
        assertEquals(RefHeapException.class, full.getClass(), full.toString());
        assertTrue(full.getMessage().contains("type area"), full.getMessage());
        assertTrue(defined >= 2, "types defined: " + defined);
    }

    private long[] ints(int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = heap.newInt(10_000 + i);
        }
        return out;
    }

    private long capacity(long list) {
        return heap.getLong(list + 24);
    }

    private void assertItems(long list, long[] expected, int from, int to) {
        assertEquals(to - from, heap.lists().size(list));
        for (int i = from; i < to; i++) {
            assertEquals(expected[i], heap.lists().get(list, i - from), "item " + (i - from));
        }
    }

    @Test
    void shouldPopAndDeleteWhenShrinkingTheItemBlockFails() {
        Lists lists = heap.lists();
        long l = lists.newList();
        long[] xs = ints(60);
        for (long x : xs) {
            lists.append(l, x);
        }
        assertEquals(64, capacity(l));
        while (lists.size(l) > 32) { // down to where the next removal shrinks the block
            heap.decref(lists.pop(l));
        }
        assertEquals(64, capacity(l));
        long live = heap.liveObjects();
        HeapFiller filler = HeapFiller.fill(heap);

        long popped = lists.pop(l); // shrinks to 40 slots: a block the full heap cannot give
        assertEquals(xs[31], popped, "pop returns its item");
        assertEquals(2, heap.getrefcount(popped), "the caller's reference and the test's own");
        assertItems(l, xs, 0, 31);
        assertEquals(64, capacity(l), "the larger block is kept");
        assertEquals(live, heap.liveObjects());

        lists.delete(l, 0); // shrinks again, fails again
        assertEquals(1, heap.getrefcount(xs[0]), "delete released the list's reference");
        assertItems(l, xs, 1, 31);
        assertEquals(live, heap.liveObjects());
        long mid = lists.pop(l, 10);
        assertEquals(xs[11], mid);
        heap.decref(mid);

        filler.release();
        heap.decref(lists.pop(l)); // now the shrink can allocate
        assertTrue(capacity(l) < 64, "shrunk once memory was free: " + capacity(l));
        assertEquals(28, lists.size(l));
        heap.decref(l);
        heap.decref(popped);
        for (long x : xs) {
            heap.decref(x);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldLeaveListsExactWhenAppendOrInsertCannotGrow() {
        Lists lists = heap.lists();
        long l = lists.newList();
        long[] xs = ints(9);
        for (int i = 0; i < 8; i++) {
            lists.append(l, xs[i]);
        }
        assertEquals(8, capacity(l), "full: the next append must grow the block");
        long live = heap.liveObjects();
        HeapFiller filler = HeapFiller.fill(heap);

        assertThrows(HeapExhaustedException.class, () -> lists.append(l, xs[8]));
        assertThrows(HeapExhaustedException.class, () -> lists.insert(l, 0, xs[8]));
        assertThrows(HeapExhaustedException.class, () -> lists.insert(l, 8, xs[8]));
        assertEquals(1, heap.getrefcount(xs[8]));
        assertItems(l, xs, 0, 8);
        assertEquals(live, heap.liveObjects());

        lists.set(l, 3, xs[8]); // needs no memory
        assertEquals(2, heap.getrefcount(xs[8]));
        assertEquals(1, heap.getrefcount(xs[3]));
        lists.set(l, 3, xs[3]);

        filler.release();
        lists.append(l, xs[8]);
        assertItems(l, xs, 0, 9);
        heap.decref(l);
        for (long x : xs) {
            heap.decref(x);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldLeaveDictsExactWhenTheirTableCannotGrow() {
        Dicts dicts = heap.dicts();
        long empty = dicts.newDict();
        long d = dicts.newDict();
        long[] ks = ints(9);
        long v = heap.newStr("v");
        long w = heap.newStr("w");
        for (int i = 0; i < 6; i++) {
            dicts.put(d, ks[i], v);
        }
        long entries = heap.getLong(d + DICT_ENTRIES);
        assertEquals(8, heap.getLong(d + DICT_CAPACITY), "the first table holds 8 entries");
        HeapFiller filler = HeapFiller.fill(heap);

        assertThrows(HeapExhaustedException.class, () -> dicts.put(empty, ks[0], v)); // its first table
        // The 7th and 8th keys would begin a rebuild; there is no memory for one, but there is room left.
        dicts.put(d, ks[6], v);
        dicts.put(d, ks[7], v);
        long live = heap.liveObjects();
        assertThrows(HeapExhaustedException.class, () -> dicts.put(d, ks[8], v)); // the 9th needs a new table
        assertThrows(HeapExhaustedException.class, () -> dicts.putInt(d, 777_777, v)); // and makes no int key
        assertThrows(HeapExhaustedException.class, () -> dicts.putStr(d, "no room", v));
        assertEquals(0, dicts.size(empty));
        assertEquals(8, dicts.size(d));
        assertEquals(entries, heap.getLong(d + DICT_ENTRIES));
        assertEquals(0, heap.getLong(d + DICT_REBUILD));
        assertEquals(live, heap.liveObjects());
        assertEquals(1, heap.getrefcount(ks[8]));
        assertEquals(2, heap.getrefcount(ks[0]));
        assertEquals(1 + 8, heap.getrefcount(v));
        for (int i = 0; i < 8; i++) {
            assertEquals(v, dicts.get(d, ks[i]));
        }
        assertEquals(0, dicts.get(d, ks[8]));
        dicts.put(d, ks[0], w); // replacing a value needs no memory
        assertEquals(w, dicts.get(d, ks[0]));
        assertTrue(dicts.remove(d, ks[1]));
        assertTrue(dicts.removeInt(d, 10_002));
        assertEquals(live, heap.liveObjects(), "the removed keys are still ours: nothing freed, nothing made");

        filler.release();
        dicts.put(d, ks[8], v);
        dicts.put(empty, ks[0], v);
        assertEquals(7, dicts.size(d));
        heap.verify();
        heap.decref(d);
        heap.decref(empty);
        for (long k : ks) {
            heap.decref(k);
        }
        heap.decref(v);
        heap.decref(w);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldCreateNothingWhenANewObjectDoesNotFit() {
        StructType point = heap.defineStruct("Point", MemoryLayout.structLayout(JAVA_LONG.withName("x"),
                ADDRESS.withName("next")));
        long a = heap.newInt(1_000);
        long b = heap.newStr("b");
        long live = heap.liveObjects();
        HeapFiller filler = HeapFiller.fill(heap);

        assertThrows(HeapExhaustedException.class, () -> heap.newTuple(a, b, a));
        assertThrows(HeapExhaustedException.class, () -> heap.newList());
        assertThrows(HeapExhaustedException.class, () -> heap.newDict());
        assertThrows(HeapExhaustedException.class, () -> heap.newStr("no room"));
        assertThrows(HeapExhaustedException.class, () -> heap.newInt(1_000_000));
        assertThrows(HeapExhaustedException.class, point::allocate);
        assertEquals(live, heap.liveObjects());
        assertEquals(1, heap.getrefcount(a));
        assertEquals(1, heap.getrefcount(b));
        assertEquals(heap.emptyTuple, heap.newTuple(), "() needs no memory");
        assertEquals(42, heap.intValue(heap.newInt(42)), "small ints need no memory");

        filler.release();
        long t = heap.newTuple(a, b, a);
        assertEquals(3, heap.getrefcount(a));
        heap.decref(t);
        heap.decref(a);
        heap.decref(b);
        assertEquals(0, heap.liveObjects());
    }
}
