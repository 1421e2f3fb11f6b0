package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dict's table: its bookkeeping stays exact under churn, so it resizes only when it must. */
class DictsTest {
    private Heap heap;

    @BeforeEach
    void open() {
        heap = Heap.create();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    /** fill must equal live entries plus deleted markers, and stay under two thirds of the slots. */
    private void assertTableConsistent(long d) {
        long used = heap.getLong(d + 16);
        long fill = heap.getLong(d + 24);
        long mask = heap.getLong(d + 32);
        long table = heap.getLong(d + 40);
        long live = 0;
        long dummies = 0;
        for (long i = 0; table != 0 && i <= mask; i++) {
            long k = heap.getLong(table + 24 * i + 8);
            if (k == 1) {
                dummies++;
            } else if (k != 0) {
                live++;
            }
        }
        assertEquals(used, live, "used");
        assertEquals(live + dummies, fill, "fill = live + deleted");
        assertTrue(3 * fill <= 2 * (mask + 1) + 2, "fill " + fill + " of " + (mask + 1) + " slots");
    }

    @Test
    void shouldKeepItsTableSmallAndExactUnderInsertDeleteChurn() {
        long d = heap.newDict();
        SplittableRandom rnd = new SplittableRandom(7);
        List<Long> keys = new ArrayList<>();
        long v = heap.none();
        long firstTable = 0;
        int resizes = 0;
        long lastTable = 0;
        for (int i = 0; i < 200_000; i++) {
            if (keys.size() < 1000 || rnd.nextBoolean()) {
                long k = heap.newInt(1_000_000 + i);
                heap.dicts().put(d, k, v);
                keys.add(k);
                heap.decref(k);
            } else {
                long k = keys.remove(rnd.nextInt(keys.size()));
                heap.dicts().remove(d, k);
            }
            long table = heap.getLong(d + 40);
            if (table != lastTable) {
                resizes++;
                lastTable = table;
            }
            if (i % 1000 == 0) {
                assertTableConsistent(d);
            }
        }
        assertTableConsistent(d);
        assertTrue(heap.getLong(d + 32) + 1 <= 8192, "slots for ~1000-2000 live keys: " + (heap.getLong(d + 32) + 1));
        // Resizes come from deleted markers piling up: about one per (slots/3) churned inserts, not one per insert.
        assertTrue(resizes < 2_000, "resizes in 200k operations: " + resizes);
        assertEquals(keys.size(), heap.dicts().size(d));
        firstTable = heap.getLong(d + 40);
        assertTrue(firstTable != 0);
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }
}
