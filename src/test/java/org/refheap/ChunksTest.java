package org.refheap;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The pause-bounded collector's growable arrays: every element kept, and no full chunk ever copied. */
class ChunksTest {
    @Test
    void shouldKeepEveryElementAcrossGrowthAndNeverCopyAFullChunk() {
        Chunks.Longs longs = new Chunks.Longs();
        Chunks.Ints ints = new Chunks.Ints();
        int n = 3 * Chunks.SIZE + 5;
        Object second = null;
        for (int i = 0; i < n; i++) {
            longs.ensure(i);
            longs.set(i, 0x9E3779B97F4A7C15L * (i + 1));
            ints.ensure(i);
            ints.set(i, ~i);
            if (i == Chunks.SIZE) {
                second = longs.chunkHolding(i); // the first chunk grown to its full size: no more copies
            }
        }
        for (int i = 0; i < n; i++) {
            assertEquals(0x9E3779B97F4A7C15L * (i + 1), longs.get(i), "element " + i);
            assertEquals(~i, ints.get(i), "element " + i);
        }
        Object first = longs.chunkHolding(0);
        for (int i = n; i < 40 * Chunks.SIZE; i++) {
            longs.ensure(i); // forty chunks: the spine doubles, the chunks stay where they are
        }
        assertSame(first, longs.chunkHolding(0));
        assertSame(second, longs.chunkHolding(Chunks.SIZE));
        assertEquals(0x9E3779B97F4A7C15L * (Chunks.SIZE + 1), longs.get(Chunks.SIZE));
    }
}
