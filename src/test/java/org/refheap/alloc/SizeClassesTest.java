package org.refheap.alloc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {
    @Test
    void shouldMatchTheSlowTwinForEveryRequestSize() {
        for (int n = 1; n <= SizeClasses.SMALL_REQUEST_THRESHOLD; n++) {
            int i = SizeClasses.index(n);
            assertEquals(SizeClasses.indexSlow(n), i, "class of " + n);
            int size = SizeClasses.size(i);
            assertTrue(size >= n && size - n < SizeClasses.ALIGNMENT, "block " + size + " for request " + n);
            assertEquals(0, size % 16, "16-byte aligned blocks");
        }
    }

    @Test
    void shouldHaveThirtyTwoClassesOfSixteenByteSteps() {
        assertEquals(32, SizeClasses.NB_SMALL_SIZE_CLASSES);
        assertEquals(16, SizeClasses.size(0));
        assertEquals(512, SizeClasses.size(31));
        assertEquals(1021, SizeClasses.blocksPerPool(0));
        assertEquals(31, SizeClasses.blocksPerPool(31));
    }
}
