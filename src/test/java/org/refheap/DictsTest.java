package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refheap.layout.BuiltinLayouts.*;

/**
 * The dict's table: insertion order, lookups by object, int and text, and a rebuild that never does
 * more than a slice of work per operation, in every state a rebuild passes through.
 */
class DictsTest {
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

    private long rebuild(long d) {
        return heap.getLong(d + DICT_REBUILD);
    }

    private long state(long d) {
        long rb = rebuild(d);
        return rb == 0 ? 0 : heap.getLong(rb + REB_STATE);
    }

    /**
     * The invariants of both pairs: used counts the live entries; the dict's index has exactly one
     * slot per live entry of its pair and every slot is reachable from its home without crossing an
     * empty slot; the index is at most two thirds full; positions stay within the block.
     */
    private void assertTableConsistent(long d) {
        long used = heap.getLong(d + DICT_USED);
        long index = heap.getLong(d + DICT_INDEX);
        if (index == 0) {
            assertEquals(0, used);
            return;
        }
        long live = 0;
        for (long s = 0; s < dicts.slotCount(d); s++) {
            if (dicts.entryAt(d, s) != 0) {
                live++;
            }
        }
        assertEquals(used, live, "used");
        long mask = heap.getLong(d + DICT_MASK);
        long entries = heap.getLong(d + DICT_ENTRIES);
        long next = heap.getLong(d + DICT_NEXT);
        assertTrue(next <= heap.getLong(d + DICT_CAPACITY), "next within the block");
        long pairLive = 0;
        for (long p = 0; p < next; p++) {
            if (heap.getLong(entries + 24 * p + ENTRY_KEY) != 0) {
                pairLive++;
            }
        }
        long slotsUsed = 0;
        for (long i = 0; i <= mask; i++) {
            long s = heap.getLong(index + 8 * i);
            if (s == 0) {
                continue;
            }
            slotsUsed++;
            long pos = (s & 0xffffffffL) - 1;
            long e = entries + 24 * pos;
            assertNotEquals(0, heap.getLong(e + ENTRY_KEY), "an index slot of the dict's pair leads to a hole");
            assertEquals(s >>> 32, heap.getLong(e + ENTRY_HASH) >>> 32, "hash half");
            for (long j = (s >>> 32) & mask; j != i; j = (j + 1) & mask) {
                assertNotEquals(0, heap.getLong(index + 8 * j), "slot " + i + " is cut off from its home");
            }
        }
        assertEquals(pairLive, slotsUsed, "one index slot per live entry of the pair");
        assertTrue(3 * slotsUsed <= 2 * (mask + 1), "index load " + slotsUsed + " of " + (mask + 1));
    }

    // ------------------------------------------------------------------ the model

    /** The keys in iteration order, as Java values (Long for int keys, String for str keys). */
    private List<Object> keysInOrder(long d) {
        List<Object> out = new ArrayList<>();
        for (long s = dicts.nextSlot(d, 0); s >= 0; s = dicts.nextSlot(d, s + 1)) {
            long k = dicts.keyAt(d, s);
            out.add(heap.typeOf(k).name().equals("int") ? (Object) heap.intValue(k) : heap.strValue(k));
        }
        return out;
    }

    private static final String[] WORDS = {"a", "b", "ab", "é", "日本", "\uD83D\uDE00", "x\uD800y", "1", "", "key"};

    private Object randomKey(SplittableRandom rnd, int space) {
        int i = rnd.nextInt(space);
        return switch (i % 3) {
            case 0 -> (long) (i / 3) - 5; // small ints (immortal, cached) and a few beyond
            case 1 -> (long) i * 1_000_003L - 50_000_000L;
            default -> WORDS[i % WORDS.length] + (i / 3);
        };
    }

    /** A key object for {@code k} (a new reference). */
    private long keyObject(Object k) {
        return k instanceof Long l ? heap.newInt(l) : heap.newStr((String) k);
    }

    @Test
    void shouldAgreeWithALinkedHashMapThroughEveryRebuildState() {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        System.out.println("DictsTest model seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] values = new long[8];
        for (int i = 0; i < values.length; i++) {
            values[i] = heap.newStr("value " + i);
        }
        long base = heap.liveObjects();
        int rounds = Boolean.getBoolean("refheap.stress") ? 200 : 25;
        long migrating = 0;
        long preparing = 0;
        for (int round = 0; round < rounds; round++) {
            long d = rnd.nextInt(4) == 0 ? dicts.newDict(rnd.nextInt(100)) : dicts.newDict();
            LinkedHashMap<Object, Integer> model = new LinkedHashMap<>();
            int space = 10 + rnd.nextInt(3000);
            int ops = 2_000 + rnd.nextInt(6_000);
            double insertBias = 0.2 + rnd.nextDouble() * 0.6; // phases that grow and phases that shrink
            for (int op = 0; op < ops; op++) {
                if (op % 500 == 0) {
                    insertBias = 0.2 + rnd.nextDouble() * 0.6;
                }
                Object k = randomKey(rnd, space);
                String where = "seed " + seed + ", round " + round + ", op " + op + ", key " + k;
                double r = rnd.nextDouble();
                if (r < insertBias) {
                    int v = rnd.nextInt(values.length);
                    switch (rnd.nextInt(3)) {
                        case 0 -> {
                            if (k instanceof Long l) {
                                dicts.putInt(d, l, values[v]);
                            } else {
                                dicts.putStr(d, (String) k, values[v]);
                            }
                        }
                        default -> {
                            long o = keyObject(k);
                            dicts.put(d, o, values[v]);
                            heap.decref(o);
                        }
                    }
                    model.put(k, v);
                } else if (r < 0.85) {
                    boolean removed = switch (rnd.nextInt(3)) {
                        case 0 -> k instanceof Long l ? dicts.removeInt(d, l) : dicts.removeStr(d, (String) k);
                        case 1 -> k instanceof Long l ? dicts.removeInt(d, l)
                                : dicts.removeStr(d, ((String) k).getBytes(StandardCharsets.UTF_8))
                                        || dicts.removeStr(d, (String) k); // a lone surrogate has no UTF-8
                        default -> {
                            long o = keyObject(k);
                            boolean b = dicts.remove(d, o);
                            heap.decref(o);
                            yield b;
                        }
                    };
                    assertEquals(model.remove(k) != null, removed, where);
                } else if (r < 0.97) {
                    Integer v = model.get(k);
                    long expected = v == null ? 0 : values[v];
                    long o = keyObject(k);
                    assertEquals(expected, dicts.get(d, o), where);
                    assertEquals(v != null, dicts.containsKey(d, o), where);
                    heap.decref(o);
                    if (k instanceof Long l) {
                        assertEquals(expected, dicts.getInt(d, l), where);
                        assertEquals(v != null, dicts.containsInt(d, l), where);
                    } else {
                        assertEquals(expected, dicts.getStr(d, (String) k), where);
                        assertEquals(v != null, dicts.containsStr(d, (String) k), where);
                    }
                } else {
                    assertEquals(new ArrayList<>(model.keySet()), keysInOrder(d), "insertion order, " + where);
                    assertTableConsistent(d);
                    if (rnd.nextInt(10) == 0) {
                        heap.verify();
                    }
                }
                assertEquals(model.size(), dicts.size(d), where);
                long st = state(d);
                migrating += st == REB_MIGRATING ? 1 : 0;
                preparing += st == REB_PREPARING ? 1 : 0;
            }
            assertEquals(new ArrayList<>(model.keySet()), keysInOrder(d), "insertion order, seed " + seed);
            int i = 0;
            for (long s = dicts.nextSlot(d, 0); s >= 0; s = dicts.nextSlot(d, s + 1), i++) {
                assertEquals(values[(Integer) model.values().toArray()[i]], dicts.valueAt(d, s), "seed " + seed);
            }
            assertTableConsistent(d);
            heap.verify();
            heap.decref(d);
            assertEquals(base, heap.liveObjects(), "seed " + seed);
        }
        assertTrue(migrating > 0, "operations ran while entries migrated");
        assertEquals(0, dicts.hurried, "no rebuild had to be finished in one operation, seed " + seed);
        System.out.println("DictsTest model: " + migrating + " operations while migrating, " + preparing + " while preparing");
    }

    // ------------------------------------------------------------------ incremental rebuild

    @Test
    void shouldRebuildASliceAtATimeUnderSteadyChurn() {
        long d = dicts.newDict();
        long v = heap.none();
        ArrayDeque<Long> keys = new ArrayDeque<>();
        SplittableRandom rnd = new SplittableRandom(11);
        long nextKey = 1_000_000;
        int live = 50_000;
        for (int i = 0; i < live; i++) {
            dicts.putInt(d, nextKey, v);
            keys.add(nextKey++);
        }
        int rebuilds = 0;
        long prevRb = rebuild(d);
        long maxBytes = 0;
        for (int i = 0; i < 400_000; i++) {
            long rb = rebuild(d);
            long st = state(d);
            long cursor = rb == 0 ? 0 : heap.getLong(rb + REB_CURSOR);
            long moved = rb == 0 ? 0 : heap.getLong(rb + REB_MOVED);
            if (i % 2 == 0) {
                dicts.putInt(d, nextKey, v);
                keys.add(nextKey++);
            } else {
                // Mostly the oldest (an order book's fills), sometimes one from the middle (a cancel).
                long k = rnd.nextInt(4) == 0 ? keys.pollLast() : keys.pollFirst();
                assertTrue(dicts.removeInt(d, k));
            }
            if (rb != 0 && rebuild(d) == rb && state(d) == st) {
                long dc = heap.getLong(rb + REB_CURSOR) - cursor;
                if (st == REB_PREPARING) {
                    assertTrue(dc <= Dicts.ZERO_STEP, "zeroed " + dc + " bytes in one operation");
                } else {
                    assertTrue(dc <= Dicts.STEP_VISITS, "looked at " + dc + " old positions in one operation");
                    assertTrue(heap.getLong(rb + REB_MOVED) - moved <= Dicts.STEP_MOVES, "moved too many");
                }
            }
            if (rebuild(d) != prevRb && rebuild(d) != 0) {
                rebuilds++;
            }
            prevRb = rebuild(d);
            maxBytes = Math.max(maxBytes, dicts.rawBytes(d));
        }
        assertEquals(live, dicts.size(d));
        assertTrue(rebuilds > 0, "holes left by deletes are compacted by rebuilds");
        assertEquals(0, dicts.hurried);
        // Both pairs at their largest: about 1.5 entries of 24 bytes and at most 3 index slots of 8 per live key, twice.
        assertTrue(maxBytes < 2L * live * (48 + 24) + (1 << 20), "bytes at most " + maxBytes);
        assertTableConsistent(d);
        heap.verify();
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }

    /** Inserts new keys until the dict is migrating; returns the next key. */
    private long untilMigrating(long d, long from, LinkedHashMap<Object, Integer> model, long value) {
        long k = from;
        while (state(d) != REB_MIGRATING) {
            dicts.putInt(d, k, value);
            if (model != null) {
                model.put(k, 0);
            }
            k++;
        }
        return k;
    }

    @Test
    void shouldIterateInOrderAndLookUpWhileEntriesMigrate() {
        long d = dicts.newDict();
        long v = heap.newStr("v");
        long w = heap.newStr("w");
        LinkedHashMap<Object, Integer> model = new LinkedHashMap<>();
        long k = 0;
        for (int i = 0; i < 3_000; i++) {
            dicts.putInt(d, k, v);
            model.put(k, 0);
            k++;
        }
        for (long j = 0; j < 3_000; j += 3) {
            dicts.removeInt(d, j);
            model.remove(j);
        }
        k = untilMigrating(d, k, model, v);
        for (int i = 0; i < 20 && state(d) == REB_MIGRATING; i++) {
            dicts.putInt(d, k, v);
            model.put(k, 0);
            k++;
        }
        assertEquals(REB_MIGRATING, state(d), "still migrating: old entries, moved ones and new ones all present");
        long rb = rebuild(d);
        long cursor = heap.getLong(rb + REB_CURSOR);
        assertTrue(cursor > 0 && cursor < heap.getLong(rb + REB_NEXT));
        // Lookups and value replacements while iterating move nothing.
        List<Object> seen = new ArrayList<>();
        for (long s = dicts.nextSlot(d, 0); s >= 0; s = dicts.nextSlot(d, s + 1)) {
            long key = heap.intValue(dicts.keyAt(d, s));
            seen.add(key);
            assertEquals(v, dicts.getInt(d, key));
            dicts.putInt(d, key, w);
            assertEquals(w, dicts.valueAt(d, s));
        }
        assertEquals(cursor, heap.getLong(rb + REB_CURSOR), "no migration work during the iteration");
        assertEquals(new ArrayList<>(model.keySet()), seen);
        assertTableConsistent(d);
        heap.verify();
        heap.decref(d);
        heap.decref(v);
        heap.decref(w);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldCollectCyclesThroughBothPairsOfAMigratingDict() {
        StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("id"),
                ADDRESS.withName("dict")));
        StructType.Field ref = node.field("dict");
        for (int keep = 0; keep < 2; keep++) {
            long d = dicts.newDict();
            long k = 0;
            List<Long> nodes = new ArrayList<>();
            while (state(d) != REB_MIGRATING || heap.getLong(rebuild(d) + REB_MOVED) < 5) {
                long n = node.allocate();
                ref.setRef(n, d); // node -> dict -> node: a cycle per entry
                dicts.putInt(d, k++, n);
                nodes.add(n);
                heap.decref(n);
                if (k % 4 == 0) {
                    dicts.removeInt(d, k - 3);
                }
            }
            long rb = rebuild(d);
            assertTrue(heap.getLong(rb + REB_CURSOR) < heap.getLong(rb + REB_NEXT), "old entries remain");
            heap.verify();
            if (keep == 1) {
                heap.gc().collect();
                assertTrue(heap.isLive(d));
                assertEquals(k - k / 4, dicts.size(d));
                heap.verify();
            }
            heap.decref(d);
            heap.gc().collect();
            assertEquals(0, heap.liveObjects(), "the dict and every node, in either pair, are garbage");
        }
    }

    @Test
    void shouldKeepEveryReachableValueWhileThePauseBoundedCollectorStepsThroughAMigratingDict() {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        System.out.println("DictsTest pause-bounded seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        long d = dicts.newDict();
        long self = heap.newList(); // d -> self -> d: the dict lives in a cycle too, held by us
        heap.lists().append(self, d);
        dicts.putStr(d, "self", self);
        heap.decref(self);
        ArrayDeque<Long> keys = new ArrayDeque<>();
        long next = 1_000;
        for (int i = 0; i < 3_000; i++) {
            long l = heap.newList(); // held only by the dict
            dicts.putInt(d, next, l);
            heap.decref(l);
            keys.add(next++);
        }
        int cycles = 0;
        long migratingSteps = 0;
        for (int round = 0; round < 400_000 && cycles < 12; round++) {
            if (rnd.nextBoolean()) {
                long l = heap.newList();
                heap.lists().append(l, l); // its own cycle: garbage only when the dict drops it
                dicts.putInt(d, next, l);
                heap.decref(l);
                keys.add(next++);
            } else {
                assertTrue(dicts.removeInt(d, rnd.nextInt(3) == 0 ? keys.pollLast() : keys.pollFirst()));
            }
            if (round % (1 + rnd.nextInt(4)) == 0) {
                if (state(d) == REB_MIGRATING) {
                    migratingSteps++;
                }
                if (heap.gc().collectStepWork(1 + rnd.nextInt(200))) {
                    cycles++;
                    heap.verify(); // every value the dict holds is alive and counted
                }
            }
        }
        assertTrue(migratingSteps > 0, "collector steps ran while the dict migrated");
        assertEquals(keys.size() + 1, dicts.size(d));
        for (long key : keys) {
            assertTrue(heap.isLive(dicts.getInt(d, key)), "seed " + seed);
        }
        assertEquals(0, dicts.hurried);
        heap.verify();
        heap.decref(d);
        heap.gc().collect();
        while (!heap.gc().incrementalPhase().equals("idle")) {
            heap.gc().collectStepWork(1_000_000);
        }
        heap.gc().collect();
        assertEquals(0, heap.liveObjects(), "seed " + seed);
    }

    // ------------------------------------------------------------------ keys by value

    @Test
    void shouldTellIntStrBoolAndFloatKeysApart() {
        long d = dicts.newDict();
        long one = heap.newStr("one");
        dicts.putInt(d, 1, one);
        dicts.putStr(d, "1", heap.none());
        long oneFloat = heap.newFloat(1.0);
        assertEquals(0, dicts.get(d, heap.bool(true)), "1 and True are different keys here");
        assertEquals(0, dicts.get(d, oneFloat));
        long big = heap.newInt(1);
        assertEquals(one, dicts.get(d, big));
        assertEquals(heap.none(), dicts.getStr(d, "1"));
        assertEquals(heap.none(), dicts.getStr(d, new StringBuilder("1")));
        assertEquals(heap.none(), dicts.getStr(d, "1".getBytes(StandardCharsets.UTF_8)));
        long bytesKey = heap.newBytes("1".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, dicts.get(d, bytesKey), "b'1' is not '1'");
        for (long x : new long[] {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0, 256, 257}) {
            dicts.putInt(d, x, one);
            long o = heap.newInt(x);
            assertEquals(one, dicts.get(d, o), "int " + x);
            heap.decref(o);
        }
        assertEquals(2 + 6, dicts.size(d));
        assertThrows(IllegalArgumentException.class, () -> dicts.getStr(d, (String) null));
        assertThrows(IllegalArgumentException.class, () -> dicts.putStr(d, null, one));
        for (long o : new long[] {d, one, oneFloat, big, bytesKey}) {
            heap.decref(o);
        }
        assertEquals(0, heap.liveObjects());
    }

    /**
     * Hostile use: a {@code CharSequence} that answers differently once it has been read (a mutable
     * one changed by another thread, or a buggy one). A new str key holds the bytes that were hashed,
     * read once: before, the str's block was sized by one reading and filled by a second, so 40
     * ASCII chars that turned into 3-byte chars wrote 120 bytes into a 40-byte block (the neighbours'
     * headers: a corrupted heap).
     */
    @Test
    void shouldStoreTheTextItHashedWhenTheKeyChangesAfterBeingRead() {
        final class Shifty implements CharSequence {
            private boolean readToTheEnd;

            @Override
            public int length() {
                return 40;
            }

            @Override
            public char charAt(int i) {
                char c = readToTheEnd ? '\uFFFF' : 'a';
                readToTheEnd |= i == 39;
                return c;
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                throw new UnsupportedOperationException();
            }
        }
        long d = dicts.newDict();
        long[] neighbours = new long[64];
        for (int i = 0; i < neighbours.length; i++) {
            neighbours[i] = heap.newStr("n".repeat(40)); // the size class a 40-byte str lands in
        }
        long v = heap.newInt(7);
        dicts.putStr(d, new Shifty(), v);
        heap.verify();
        assertEquals(1, dicts.size(d));
        assertEquals(v, dicts.getStr(d, "a".repeat(40)), "found by the text that was hashed");
        assertEquals("a".repeat(40), heap.strValue(dicts.keyAt(d, dicts.nextSlot(d, 0))));
        for (long n : neighbours) {
            assertEquals("n".repeat(40), heap.strValue(n));
            heap.decref(n);
        }
        heap.decref(v);
        heap.decref(d);
    }

    @Test
    void shouldFindStrKeysByTextWithoutMakingAStr() {
        long d = dicts.newDict();
        String[] texts = {"", "plain", "é", "日本語", "\uD83D\uDE00 pair", "lone \uD800", "\uDC00 low", "\uD800\uD800"};
        for (int i = 0; i < texts.length; i++) {
            long s = heap.newStr(texts[i]);
            dicts.put(d, s, heap.newInt(10_000 + i));
            heap.decref(dicts.get(d, s));
            heap.decref(s);
        }
        for (int i = 0; i < texts.length; i++) {
            assertEquals(10_000 + i, heap.intValue(dicts.getStr(d, texts[i])), texts[i]);
            assertEquals(StrCodec.encode(texts[i]).length == texts[i].getBytes(StandardCharsets.UTF_8).length
                    && StrCodec.firstLoneSurrogate(texts[i]) < 0, dicts.containsStr(d, texts[i].getBytes(StandardCharsets.UTF_8)),
                    "by UTF-8 bytes when the text has some: " + texts[i]);
            assertTrue(dicts.containsStr(d, StrCodec.encode(texts[i])), "by the str's own bytes: " + texts[i]);
        }
        assertFalse(dicts.containsStr(d, "?"), "a lone surrogate is not '?'");
        assertFalse(dicts.containsStr(d, "lone "));
        assertFalse(dicts.containsStr(d, "plain "));
        assertTrue(dicts.removeStr(d, "日本語"));
        assertFalse(dicts.containsStr(d, "日本語"));
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldNotAllocateOnTheJavaHeapForLookupsByValue() {
        long d = dicts.newDict();
        long v = heap.newStr("v");
        for (int i = 0; i < 10_000; i++) {
            dicts.putInt(d, i * 7919L, v);
        }
        dicts.putStr(d, "order-42", v);
        byte[] utf8 = "order-42".getBytes(StandardCharsets.UTF_8);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long bytes = 0;
        for (int round = 0; round < 3; round++) {
            long t0 = mx.getCurrentThreadAllocatedBytes();
            long acc = 0;
            for (int i = 0; i < 20_000; i++) {
                long k = (i % 10_000) * 7919L;
                acc += dicts.getInt(d, k) + (dicts.containsInt(d, k + 1) ? 1 : 0);
                dicts.putInt(d, k, v); // present: only the value is replaced
                acc += dicts.getStr(d, "order-42") + dicts.getStr(d, utf8);
                dicts.putStr(d, "order-42", v);
                dicts.putStr(d, "fresh", v); // a new key: a str made in the heap, nothing on the Java heap
                acc += dicts.removeStr(d, "fresh") ? 1 : 0;
                dicts.putInt(d, -k - 1_000, v);
                acc += dicts.removeInt(d, -k - 1_000) ? 1 : 0;
            }
            bytes = mx.getCurrentThreadAllocatedBytes() - t0;
            assertNotEquals(0, acc);
        }
        assertTrue(bytes < 10_000, "bytes allocated by 20k rounds of lookups, inserts and deletes: " + bytes);
        assertEquals(10_001, dicts.size(d));
        heap.decref(d);
        heap.decref(v);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldNotRebuildAPresizedDictWhileItFills() {
        long d = dicts.newDict(100_000);
        long entries = heap.getLong(d + DICT_ENTRIES);
        for (int i = 0; i < 100_000; i++) {
            dicts.putInt(d, i, heap.none());
        }
        assertEquals(entries, heap.getLong(d + DICT_ENTRIES));
        assertEquals(0, rebuild(d));
        assertThrows(IllegalArgumentException.class, () -> dicts.newDict(-1));
        assertTableConsistent(d);
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldShrinkAfterMostKeysGo() {
        long d = dicts.newDict();
        for (int i = 0; i < 100_000; i++) {
            dicts.putInt(d, i, heap.none());
        }
        long big = dicts.rawBytes(d);
        for (int i = 0; i < 99_990; i++) {
            assertTrue(dicts.removeInt(d, i));
        }
        assertTrue(dicts.rawBytes(d) < big / 8, dicts.rawBytes(d) + " bytes of " + big);
        assertEquals(List.of(99_990L, 99_991L, 99_992L, 99_993L, 99_994L, 99_995L, 99_996L, 99_997L, 99_998L,
                99_999L), keysInOrder(d));
        assertEquals(0, dicts.hurried);
        assertTableConsistent(d);
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldClearADictInEveryRebuildState() {
        for (long wanted : new long[] {REB_PREPARING, REB_MIGRATING}) {
            long d = dicts.newDict();
            long v = heap.newStr("v");
            long k = 0;
            while (state(d) != wanted) {
                dicts.putInt(d, k++, v);
            }
            dicts.clear(d);
            assertEquals(0, dicts.size(d));
            assertEquals(1, heap.getrefcount(v));
            heap.verify();
            dicts.putInt(d, 5, v);
            assertEquals(v, dicts.getInt(d, 5));
            heap.decref(d);
            heap.decref(v);
            assertEquals(0, heap.liveObjects(), "state " + wanted);
        }
    }
}
