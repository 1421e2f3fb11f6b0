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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A weakref and its referent dying in the same cascade of frees, in either order: found by
 * IncrementalModelTest (program seed -7227086742056140496, a tuple (x, weakref, referent) freed at
 * teardown).
 */
class WeakrefDeathOrderTest {
    private Heap heap;
    private StructType node;
    private final List<String> unraisable = new ArrayList<>();
    private final List<Long> called = new ArrayList<>();

    @BeforeEach
    void open() {
        heap = Heap.create(HeapConfig.defaults().withDebug(true));
        heap.gc().disable();
        heap.setUnraisableHook((where, error) -> unraisable.add(where + ": " + error));
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
    }

    @AfterEach
    void close() {
        heap.close();
    }

    @Test
    void shouldNotCallTheCallbackOfAWeakrefThatDiedFirstInTheSameCascade() {
        long target = node.allocate();
        long wr = heap.weakrefs().ref(target, w -> called.add(w));
        long holder = heap.newTuple(wr, target); // released in item order: the weakref dies first
        heap.decref(wr);
        heap.decref(target);
        heap.decref(holder);
        heap.verify();
        assertEquals(List.of(), called, "a dead weakref's callback must not run (CPython clears it in its dealloc)");
        assertEquals(List.of(), unraisable);
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }

    @Test
    void shouldFreeAWeakrefOnceWhenItDiesJustBeforeItsReferentWithoutDebug() {
        heap.close();
        heap = Heap.create();
        heap.setUnraisableHook((where, error) -> unraisable.add(where + ": " + error));
        node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
        long target = node.allocate();
        long wr = heap.weakrefs().ref(target, w -> called.add(w));
        long holder = heap.newList();
        heap.lists().append(holder, wr);
        heap.lists().append(holder, target);
        heap.decref(wr);
        heap.decref(target);
        heap.decref(holder);
        heap.verify();
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse(), "a block freed twice is counted twice");
        // A block freed twice would be handed out twice: two live weakrefs at one address.
        long other = node.allocate();
        long w1 = heap.weakrefs().ref(other);
        long w2 = heap.weakrefs().ref(other);
        assertTrue(w1 != w2, "two live weakrefs share the address 0x" + Long.toHexString(w1));
        assertEquals(List.of(), called);
    }

    @Test
    void shouldCallTheCallbackOnceWhenTheReferentDiesFirstInTheSameCascade() {
        long target = node.allocate();
        long wr = heap.weakrefs().ref(target, w -> {
            called.add(w);
            assertEquals(heap.none(), heap.weakrefs().get(w));
        });
        long holder = heap.newTuple(target, wr); // the referent is released first: its weakref still lives
        heap.decref(wr);
        heap.decref(target);
        heap.decref(holder);
        heap.verify();
        assertEquals(List.of(wr), called);
        assertEquals(List.of(), unraisable);
        assertEquals(0, heap.liveObjects());
        assertEquals(0, heap.bytesInUse());
    }
}
