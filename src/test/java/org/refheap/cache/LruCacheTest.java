package org.refheap.cache;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.refheap.Heap;
import org.refheap.leak.LeakCheckExtension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every test also runs under the exact leak check: a cache that forgot a decref fails it. */
@ExtendWith(LeakCheckExtension.class)
class LruCacheTest {
    private Heap heap;

    @BeforeEach
    void open() {
        heap = Heap.create();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private long str(String s) {
        return heap.newStr(s);
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedAndReleaseItsKeyAndValue() {
        long base = heap.liveObjects();
        try (LruCache c = LruCache.create(heap, 2)) {
            long k1 = str("k1"), v1 = str("v1"), k2 = str("k2"), v2 = str("v2"), k3 = str("k3"), v3 = str("v3");
            c.put(k1, v1);
            c.put(k2, v2);
            assertEquals(3, heap.getrefcount(k1), "ours, the dict's and the link's (as in CPython)");
            assertEquals(2, heap.getrefcount(v1), "ours and the link's");
            long got = c.get(k1); // k1 becomes the most recent: k2 goes next
            assertEquals(v1, got);
            assertEquals(3, heap.getrefcount(v1), "get returns a new reference");
            heap.decref(got);
            c.put(k3, v3);
            assertEquals(1, heap.getrefcount(k2), "evicted key released");
            assertEquals(1, heap.getrefcount(v2), "evicted value released");
            assertArrayEquals(new long[] {k1, k3}, c.keysInOrder());
            long probe = str("k2"); // an equal key, not the same object
            assertEquals(0, c.get(probe));
            assertEquals(new CacheInfo(1, 1, 2, 2), c.cacheInfo());
            assertEquals("CacheInfo(hits=1, misses=1, maxsize=2, currsize=2)", c.cacheInfo().toString());
            c.cacheClear();
            assertEquals(new CacheInfo(0, 0, 2, 0), c.cacheInfo());
            assertEquals(1, heap.getrefcount(k1));
            assertEquals(1, heap.getrefcount(v3));
            for (long o : new long[] {k1, v1, k2, v2, k3, v3, probe}) {
                heap.decref(o);
            }
        }
        assertEquals(base, heap.liveObjects(), "closing the cache frees its object, dict and links");
    }

    @Test
    void shouldReleaseEveryEntryWhenClosed() {
        long base = heap.liveObjects();
        LruCache c = LruCache.create(heap, 100);
        for (int i = 0; i < 50; i++) {
            long k = heap.newInt(10_000 + i);
            long v = heap.newList();
            c.put(k, v);
            heap.decref(k);
            heap.decref(v);
        }
        assertTrue(heap.liveObjects() > base + 100);
        c.close();
        c.close();
        assertEquals(base, heap.liveObjects());
        assertThrows(IllegalStateException.class, c::cacheInfo);
    }

    @Test
    void shouldMemoiseLikeLruCacheWrapper() {
        try (LruCache c = LruCache.create(heap, 128)) {
            int[] calls = {0};
            long k = heap.newInt(1234);
            long a = c.computeIfAbsent(k, key -> {
                calls[0]++;
                return heap.newInt(heap.intValue(key) * 2);
            });
            long b = c.computeIfAbsent(k, key -> {
                throw new AssertionError("a hit must not call the function");
            });
            assertEquals(a, b);
            assertEquals(2468, heap.intValue(a));
            assertEquals(1, calls[0]);
            assertEquals(3, heap.getrefcount(a), "two new references handed out, one held by the cache");
            assertEquals(new CacheInfo(1, 1, 128, 1), c.cacheInfo());
            // A function that throws caches nothing.
            long k2 = heap.newInt(99999);
            assertThrows(IllegalStateException.class, () -> c.computeIfAbsent(k2, key -> {
                throw new IllegalStateException("boom");
            }));
            assertEquals(new CacheInfo(1, 2, 128, 1), c.cacheInfo());
            heap.decref(a);
            heap.decref(b);
            heap.decref(k);
            heap.decref(k2);
        }
    }

    @Test
    void shouldCacheNothingWithMaxSizeZeroAndEverythingUnbounded() {
        try (LruCache none = LruCache.create(heap, 0); LruCache all = LruCache.unbounded(heap)) {
            long k = heap.newInt(777);
            long v = heap.newInt(778);
            none.put(k, v);
            assertEquals(0, none.get(k));
            long r = none.computeIfAbsent(k, key -> heap.newInt(5));
            heap.decref(r);
            assertEquals(new CacheInfo(0, 2, 0, 0), none.cacheInfo());
            for (int i = 0; i < 1000; i++) {
                long key = heap.newInt(100_000 + i);
                all.put(key, v);
                heap.decref(key);
            }
            assertEquals(new CacheInfo(0, 0, LruCache.UNBOUNDED, 1000), all.cacheInfo());
            assertEquals("CacheInfo(hits=0, misses=0, maxsize=None, currsize=1000)", all.cacheInfo().toString());
            heap.decref(k);
            heap.decref(v);
        }
        assertThrows(IllegalArgumentException.class, () -> LruCache.create(heap, -1));
    }

    @Test
    void shouldMatchAnAccessOrderLinkedHashMapModel() {
        long seed = System.nanoTime();
        System.out.println("LruCacheTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        long base = heap.liveObjects();
        for (int round = 0; round < 20; round++) {
            int max = r.nextInt(0, 12);
            LruCache c = LruCache.create(heap, max);
            Map<Integer, Integer> model = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Integer, Integer> e) {
                    return size() > max;
                }
            };
            long hits = 0, misses = 0;
            for (int op = 0; op < 2000; op++) {
                int key = r.nextInt(20);
                long k = heap.newInt(5000 + key);
                switch (r.nextInt(4)) {
                    case 0 -> {
                        int value = r.nextInt(1000, 2000);
                        long v = heap.newInt(value);
                        c.put(k, v);
                        heap.decref(v);
                        if (max > 0) {
                            model.put(key, value);
                        }
                    }
                    case 1 -> {
                        long v = c.get(k);
                        Integer expect = model.get(key);
                        if (expect == null) {
                            misses++;
                            assertEquals(0, v, "seed " + seed);
                        } else {
                            hits++;
                            assertEquals((long) expect, heap.intValue(v), "seed " + seed);
                            heap.decref(v);
                        }
                    }
                    case 2 -> {
                        long v = c.computeIfAbsent(k, kk -> heap.newInt(3000 + key));
                        Integer expect = model.get(key);
                        if (expect == null) {
                            misses++;
                            expect = 3000 + key;
                            if (max > 0) {
                                model.put(key, expect);
                            }
                        } else {
                            hits++;
                        }
                        assertEquals((long) expect, heap.intValue(v), "seed " + seed);
                        heap.decref(v);
                    }
                    default -> {
                        if (r.nextInt(50) == 0) {
                            c.cacheClear();
                            model.clear();
                            hits = 0;
                            misses = 0;
                        }
                    }
                }
                heap.decref(k);
                assertEquals(new CacheInfo(hits, misses, max, model.size()), c.cacheInfo(), "seed " + seed);
            }
            List<Long> order = new ArrayList<>();
            for (long key : c.keysInOrder()) {
                order.add(heap.intValue(key) - 5000);
            }
            assertEquals(model.keySet().stream().map(Integer::longValue).toList(), order,
                    "eviction order, seed " + seed + ", max " + max + ": " + Arrays.toString(c.keysInOrder()));
            c.close();
            assertEquals(base, heap.liveObjects(), "no leak, seed " + seed);
        }
    }
}
