package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.refheap.layout.BuiltinLayouts.STR_HASH;
import static org.refheap.layout.BuiltinLayouts.TUPLE_ITEMS;
import static org.refheap.layout.BuiltinLayouts.TUPLE_SIZE;
import static org.refheap.layout.BuiltinLayouts.VALUE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dict keys at the edges: tuples nested past any stack, signed zeros, NaNs, unhashable items. */
class DictKeysTest {
    private static final int DEEP = 100_000;

    private Heap heap;
    private Dicts dicts;

    @BeforeEach
    void open() {
        heap = Heap.create();
        dicts = heap.dicts();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    /** ((((leaf,),),)...) nested {@code depth} times; the caller owns the result. Takes over {@code leaf}. */
    private long nest(long leaf, int depth) {
        long t = heap.newTuple(leaf);
        heap.decref(leaf);
        for (int i = 1; i < depth; i++) {
            long outer = heap.newTuple(t);
            heap.decref(t);
            t = outer;
        }
        return t;
    }

    @Test
    void shouldPutGetAndRemoveTuplesNestedDeeperThanTheJavaStack() {
        long d = heap.newDict();
        long a = nest(heap.newInt(7_000), DEEP);
        long b = nest(heap.newInt(7_000), DEEP);
        long c = nest(heap.newInt(7_001), DEEP);
        long v = heap.newStr("value");
        long w = heap.newStr("other");
        assertEquals(dicts.hash(a), dicts.hash(b));
        assertTrue(dicts.keysEqual(a, b));
        assertFalse(dicts.keysEqual(a, c));

        dicts.put(d, a, v);
        assertEquals(v, dicts.get(d, a));
        assertEquals(v, dicts.get(d, b), "an equal but distinct deep tuple finds the entry");
        assertTrue(dicts.containsKey(d, b));
        assertEquals(0, dicts.get(d, c));
        dicts.put(d, b, w);
        assertEquals(1, dicts.size(d), "an equal key replaces the value, not adds an entry");
        assertEquals(w, dicts.get(d, a));
        assertEquals(2, heap.getrefcount(a), "the first key stays");
        assertEquals(1, heap.getrefcount(b));
        dicts.put(d, c, v);
        assertEquals(2, dicts.size(d));
        assertTrue(dicts.remove(d, b));
        assertFalse(dicts.containsKey(d, a));
        assertEquals(v, dicts.get(d, c));
        assertEquals(1, heap.getrefcount(a));

        heap.decref(d);
        for (long o : new long[] {a, b, c, v, w}) {
            heap.decref(o);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldCompareDeepTuplesThatDifferOnlyInShapeAsUnequal() {
        long a = heap.newTuple(nest(heap.newInt(1_000), 50), heap.newInt(1_001));
        long b = heap.newTuple(nest(heap.newInt(1_000), 51), heap.newInt(1_001));
        long c = heap.newTuple(nest(heap.newInt(1_000), 50), heap.newInt(1_002));
        assertFalse(dicts.keysEqual(a, b));
        assertFalse(dicts.keysEqual(a, c));
        long a2 = heap.newTuple(nest(heap.newInt(1_000), 50), heap.newInt(1_001));
        assertTrue(dicts.keysEqual(a, a2));
        assertEquals(dicts.hash(a), dicts.hash(a2));
    }

    /** The recursive definition the iterative hash must keep agreeing with (values stored in dicts depend on it). */
    private long referenceHash(long key) {
        long type = heap.getLong(key + 8);
        if (type == heap.tupleType) {
            long n = heap.getLong(key + TUPLE_SIZE);
            long acc = 0x345678L + n;
            for (long i = 0; i < n; i++) {
                acc = Hashing.combine(acc, referenceHash(heap.getLong(key + TUPLE_ITEMS + 8 * i)));
            }
            return acc;
        } else if (type == heap.intType) {
            return Hashing.mix(heap.getLong(key + VALUE));
        } else if (type == heap.floatType) {
            return Hashing.mix(heap.getLong(key + VALUE) ^ 0x5bd1e995L);
        } else if (type == heap.strType || type == heap.bytesType) {
            return heap.getLong(key + STR_HASH);
        }
        return Hashing.mix(key);
    }

    private long randomKey(SplittableRandom rnd, int depth) {
        return switch (depth == 0 ? rnd.nextInt(4) : rnd.nextInt(6)) {
            case 0 -> heap.newInt(rnd.nextLong());
            case 1 -> heap.newFloat(rnd.nextDouble() * 1e6 + 1);
            case 2 -> heap.newStr("k" + rnd.nextInt(1000));
            case 3 -> { heap.incref(heap.none()); yield heap.none(); }
            default -> {
                long[] items = new long[rnd.nextInt(5)];
                for (int i = 0; i < items.length; i++) {
                    items[i] = randomKey(rnd, depth - 1);
                }
                long t = heap.newTuple(items);
                for (long it : items) {
                    heap.decref(it);
                }
                yield t;
            }
        };
    }

    @Test
    void shouldHashShallowKeysAsTheRecursiveDefinitionDoes() {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 2_000; i++) {
            long k = randomKey(rnd, 4);
            assertEquals(referenceHash(k), dicts.hash(k), "seed " + seed + ", key " + i);
            heap.decref(k);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldFindZeroUnderMinusZero() {
        long d = heap.newDict();
        long zero = heap.newFloat(0.0);
        long minusZero = heap.newFloat(-0.0);
        assertTrue(dicts.keysEqual(zero, minusZero));
        assertEquals(dicts.hash(zero), dicts.hash(minusZero), "equal keys must hash equal");
        long v = heap.newStr("zero");
        dicts.put(d, minusZero, v);
        assertEquals(v, dicts.get(d, zero));
        dicts.put(d, zero, heap.none());
        assertEquals(1, dicts.size(d));
        long t0 = heap.newTuple(zero, heap.none());
        long t1 = heap.newTuple(minusZero, heap.none());
        assertEquals(dicts.hash(t0), dicts.hash(t1));
        dicts.put(d, t0, v);
        assertEquals(v, dicts.get(d, t1));
        assertTrue(dicts.remove(d, zero));
        assertTrue(dicts.remove(d, t1));
        assertEquals(0, dicts.size(d));
        for (long o : new long[] {d, zero, minusZero, v, t0, t1}) {
            heap.decref(o);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldFindANaNKeyOnlyByIdentity() {
        long d = heap.newDict();
        long nan = heap.newFloat(Double.NaN);
        long otherNan = heap.newFloat(Double.NaN);
        long v = heap.newStr("nan");
        // By identity (mix is a bijection): many NaN keys do not share one probe chain.
        assertNotEquals(dicts.hash(nan), dicts.hash(otherNan));
        dicts.put(d, nan, v);
        assertEquals(v, dicts.get(d, nan), "the same NaN object is the same key");
        assertEquals(0, dicts.get(d, otherNan), "NaN != NaN");
        dicts.put(d, otherNan, v);
        assertEquals(2, dicts.size(d));
        // A tuple compares its items by identity first, so tuples holding the same NaN object are equal.
        long t1 = heap.newTuple(nan);
        long t2 = heap.newTuple(nan);
        long t3 = heap.newTuple(otherNan);
        dicts.put(d, t1, v);
        assertEquals(v, dicts.get(d, t2));
        assertEquals(0, dicts.get(d, t3));
        assertTrue(dicts.remove(d, nan));
        assertFalse(dicts.remove(d, nan));
        assertTrue(dicts.remove(d, otherNan));
        assertTrue(dicts.remove(d, t2));
        assertEquals(0, dicts.size(d));
        for (long o : new long[] {d, nan, otherNan, v, t1, t2, t3}) {
            heap.decref(o);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseTuplesHoldingListsOrDictsAndChangeNothing() {
        long d = heap.newDict();
        long ok = heap.newStr("ok");
        long v = heap.newStr("v");
        dicts.put(d, ok, v);
        long list = heap.newList();
        long inner = heap.newDict();
        long flat = heap.newTuple(ok, list);
        heap.incref(inner); // nest takes over one reference
        long deep = heap.newTuple(heap.none(), nest(inner, DEEP));
        heap.decref(heap.tuples().get(deep, 1)); // nest's result is now held by deep only
        long live = heap.liveObjects();
        long okCount = heap.getrefcount(ok);
        long vCount = heap.getrefcount(v);

        WrongTypeException e = assertThrows(WrongTypeException.class, () -> dicts.put(d, flat, v));
        assertTrue(e.getMessage().contains("unhashable type: 'list'"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toHexString(list)), "names the list: " + e.getMessage());
        assertTrue(e.getMessage().contains(Long.toHexString(flat)), "names the key: " + e.getMessage());
        e = assertThrows(WrongTypeException.class, () -> dicts.put(d, deep, v));
        assertTrue(e.getMessage().contains("unhashable type: 'dict'"), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toHexString(inner)), "names the dict: " + e.getMessage());
        assertThrows(WrongTypeException.class, () -> dicts.get(d, deep));
        assertThrows(WrongTypeException.class, () -> dicts.containsKey(d, flat));
        assertThrows(WrongTypeException.class, () -> dicts.remove(d, deep));
        assertThrows(WrongTypeException.class, () -> dicts.put(d, list, v));

        assertEquals(1, dicts.size(d));
        assertEquals(v, dicts.get(d, ok));
        assertEquals(live, heap.liveObjects());
        assertEquals(okCount, heap.getrefcount(ok));
        assertEquals(vCount, heap.getrefcount(v));
        // The dict still works, deep keys included.
        long good = nest(heap.newInt(5_000), DEEP);
        dicts.put(d, good, v);
        assertEquals(v, dicts.get(d, good));
        for (long o : new long[] {d, ok, v, list, inner, flat, deep, good}) {
            heap.decref(o);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldNotAllocateOnTheJavaHeapToHashOrCompareShallowTuples() {
        long a = heap.newTuple(heap.newInt(1_000), heap.newStr("x"), heap.newTuple(heap.newFloat(2.5)));
        long b = heap.newTuple(heap.newInt(1_000), heap.newStr("x"), heap.newTuple(heap.newFloat(2.5)));
        long[] before = {0};
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 3; round++) {
            long t0 = mx.getCurrentThreadAllocatedBytes();
            long acc = 0;
            for (int i = 0; i < 100_000; i++) {
                acc += dicts.hash(a) + (dicts.keysEqual(a, b) ? 1 : 0);
            }
            before[0] = mx.getCurrentThreadAllocatedBytes() - t0;
            assertNotEquals(0, acc);
        }
        assertTrue(before[0] < 10_000, "bytes allocated by 100k hashes and compares: " + before[0]);
    }
}
