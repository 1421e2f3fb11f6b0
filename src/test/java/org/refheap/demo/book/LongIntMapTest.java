package org.refheap.demo.book;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LongIntMapTest {
    @Test
    void shouldAgreeWithAHashMapUnderRandomPutsAndRemoves() {
        long seed = System.nanoTime();
        System.out.println("LongIntMapTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        LongIntMap map = new LongIntMap(4); // small: it must grow
        Map<Long, Integer> model = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            // Keys from a small range collide and cluster, so removals shift probe runs, wrapping included.
            long key = 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 5_000);
            if (rnd.nextInt(3) == 0) {
                Integer old = model.remove(key);
                assertEquals(old == null ? LongIntMap.MISSING : old, map.remove(key), "remove " + key + ", seed " + seed);
            } else {
                int value = rnd.nextInt(1_000_000);
                Integer old = model.put(key, value);
                assertEquals(old == null ? LongIntMap.MISSING : old, map.put(key, value), "put " + key + ", seed " + seed);
            }
            assertEquals(model.size(), map.size(), "size, seed " + seed);
        }
        for (long key = 1; key <= 5_000; key++) {
            Integer v = model.get(key);
            assertEquals(v == null ? LongIntMap.MISSING : v, map.get(key), "get " + key + ", seed " + seed);
        }
        assertEquals(model.size(), map.keys().length);
    }

    @Test
    void shouldHoldItsExpectedSizeWithoutGrowing() {
        LongIntMap map = new LongIntMap(1000);
        int capacity = map.capacity();
        for (int i = 1; i <= 1000; i++) {
            map.put(i * 7919L, i);
        }
        assertEquals(capacity, map.capacity());
        for (int i = 1; i <= 1000; i++) {
            assertEquals(i, map.get(i * 7919L));
        }
    }

    @Test
    void shouldRejectKeyZeroAndNegativeValues() {
        LongIntMap map = new LongIntMap(8);
        assertEquals("key must not be 0 and value not negative: 0 -> 1",
                assertThrows(IllegalArgumentException.class, () -> map.put(0, 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> map.put(5, -1));
        assertThrows(IllegalArgumentException.class, () -> new LongIntMap(-1));
    }
}
