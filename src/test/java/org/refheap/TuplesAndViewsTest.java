package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TuplesAndViewsTest {
    private Heap heap;

    @BeforeEach
    void open() {
        heap = Heap.create();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void shouldHoldItsItemsAndReleaseThemOnce() {
        long s = heap.newStr("a");
        long t = heap.newTuple(s, heap.none(), s);
        assertEquals(3, heap.tuples().size(t));
        assertEquals(s, heap.tuples().get(t, 2));
        assertEquals(3, heap.getrefcount(s));
        assertThrows(IndexOutOfBoundsException.class, () -> heap.tuples().get(t, 3));
        assertThrows(WrongTypeException.class, () -> heap.lists().size(t));
        heap.decref(t);
        assertEquals(1, heap.getrefcount(s));
        assertEquals(heap.newTuple(), heap.newTuple(), "() is one immortal object");
        heap.decref(s);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldReadAndWriteThroughReusableViews() {
        long l = heap.newList();
        long d = heap.newDict();
        ListView lv = new ListView(heap);
        DictView dv = new DictView(heap);
        long k = heap.newStr("k");
        long v = heap.newFloat(2.5);
        lv.wrap(l).append(v).append(k);
        dv.wrap(d).put(k, v);
        assertEquals(2, lv.size());
        assertEquals(v, lv.get(0));
        assertEquals(v, dv.get(k));
        assertEquals(2.5, heap.floatValue(dv.get(k)));
        assertEquals(1, dv.size());
        assertEquals(l, lv.address());
        assertThrows(WrongTypeException.class, () -> lv.wrap(d));
        assertEquals(true, dv.remove(k));
        assertEquals(0, dv.get(k));
        dv.putInt(70_000, v).putStr("k", l);
        assertEquals(v, dv.getInt(70_000));
        assertEquals(l, dv.getStr("k"));
        assertEquals(l, dv.get(k), "putStr made a key equal to the str k");
        assertEquals(true, dv.removeInt(70_000));
        assertEquals(true, dv.removeStr(new StringBuilder("k")));
        assertEquals(0, dv.size());
        assertArrayEquals(new byte[] {1, 2}, heap.bytesValue(heap.newBytes(new byte[] {1, 2})));
        assertEquals("k", heap.strValue(k));
        assertEquals(true, heap.boolValue(heap.bool(true)));
    }
}
