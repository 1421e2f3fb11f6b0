package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListsTest {
    private Heap heap;
    private Lists lists;

    @BeforeEach
    void open() {
        heap = Heap.create();
        lists = heap.lists();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private long[] ints(int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = heap.newInt(1000 + i);
        }
        return out;
    }

    @Test
    void shouldGrowAndShrinkItsItemBlockAndKeepOrder() {
        long l = lists.newList();
        long[] xs = ints(1000);
        for (long x : xs) {
            lists.append(l, x);
            heap.decref(x);
        }
        assertEquals(1000, lists.size(l));
        long grown = heap.getLong(l + 24);
        assertTrue(grown >= 1000 && grown < 1200, "capacity " + grown);
        for (int i = 0; i < 1000; i++) {
            assertEquals(1000 + i, heap.intValue(lists.get(l, i)));
        }
        while (lists.size(l) > 10) {
            lists.delete(l, lists.size(l) - 1);
        }
        assertTrue(heap.getLong(l + 24) < 64, "shrunk to " + heap.getLong(l + 24));
        assertEquals(1009, heap.intValue(lists.get(l, 9)));
        heap.decref(l);
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldInsertPopAndFindLikePython() {
        long l = lists.newList();
        long[] xs = ints(3);
        lists.append(l, xs[0]);
        lists.append(l, xs[2]);
        lists.insert(l, 1, xs[1]); // [0, 1, 2]
        lists.insert(l, 0, xs[2]); // [2, 0, 1, 2]
        assertEquals(xs[2], lists.get(l, 0));
        assertEquals(1, lists.indexOf(l, xs[0]));
        assertEquals(-1, lists.indexOf(l, heap.none()));
        assertEquals(3, heap.getrefcount(xs[2]), "ours and two slots");
        long popped = lists.pop(l, 0); // the reference moves to us
        assertEquals(xs[2], popped);
        assertEquals(3, heap.getrefcount(xs[2]));
        heap.decref(popped);
        assertEquals(xs[2], lists.pop(l));
        heap.decref(xs[2]);
        assertEquals(1, heap.getrefcount(xs[2]));
        assertEquals(2, lists.size(l));
        lists.set(l, 0, xs[1]);
        assertEquals(3, heap.getrefcount(xs[1]));
        assertEquals(1, heap.getrefcount(xs[0]));
        heap.decref(l);
        for (long x : xs) {
            heap.decref(x);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRejectIndexesOutOfRangeAndChangeNothing() {
        long l = lists.newList();
        long x = heap.newStr("x");
        lists.append(l, x);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> lists.get(l, 1));
        assertTrue(e.getMessage().contains("index 1") && e.getMessage().contains("size 1"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> lists.get(l, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> lists.set(l, 5, x));
        assertThrows(IndexOutOfBoundsException.class, () -> lists.insert(l, 3, x));
        assertThrows(IndexOutOfBoundsException.class, () -> lists.delete(l, 2));
        lists.clear(l);
        assertThrows(IndexOutOfBoundsException.class, () -> lists.pop(l));
        assertThrows(NotAnObjectException.class, () -> lists.append(l, 0));
        assertEquals(0, lists.size(l));
        assertEquals(1, heap.getrefcount(x));
    }

    @Test
    void shouldNotCopyAPresizedListWhileItFills() {
        long l = heap.lists().newList(10_000);
        long items = heap.getLong(l + org.refheap.layout.BuiltinLayouts.LIST_ITEMS);
        for (int i = 0; i < 10_000; i++) {
            heap.lists().append(l, heap.none());
        }
        assertEquals(items, heap.getLong(l + org.refheap.layout.BuiltinLayouts.LIST_ITEMS), "the item block never moved");
        heap.lists().append(l, heap.none());
        assertNotEquals(items, heap.getLong(l + org.refheap.layout.BuiltinLayouts.LIST_ITEMS), "the 10001st item grows it");
        assertThrows(IllegalArgumentException.class, () -> heap.lists().newList(-1));
        heap.verify();
        heap.decref(l);
        assertEquals(0, heap.liveObjects());
    }
}
