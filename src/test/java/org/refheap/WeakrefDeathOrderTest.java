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
}
