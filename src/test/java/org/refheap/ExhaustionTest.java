package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        StructLayout wide = MemoryLayout.structLayout(refs); // a 240 KB type object: four fill the 1 MiB area
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
        org.junit.jupiter.api.Assertions.assertTrue(full.getMessage().contains("type area"), full.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(defined >= 3, "types defined: " + defined);
    }
}
