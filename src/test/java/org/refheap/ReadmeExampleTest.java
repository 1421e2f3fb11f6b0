package org.refheap;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's first example, kept compiling and true. */
class ReadmeExampleTest {
    @Test
    void shouldBehaveAsTheReadmeSays() {
        try (Heap heap = Heap.create()) {
            StructType order = heap.defineStruct("Order", MemoryLayout.structLayout(
                    JAVA_LONG.withName("price"), JAVA_LONG.withName("qty"), ADDRESS.withName("next")));
            StructType.Field price = order.field("price"), next = order.field("next");

            long a = order.allocate();
            long b = order.allocate();
            price.setLong(a, 101_25);
            next.setRef(a, b);
            assertEquals(2, heap.getrefcount(b));
            heap.decref(b);
            assertEquals(1, heap.getrefcount(b));
            heap.decref(a);
            assertEquals(0, heap.liveObjects());
        }
    }
}
