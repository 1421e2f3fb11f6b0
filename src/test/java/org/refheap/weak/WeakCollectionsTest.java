package org.refheap.weak;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.refheap.CollectionMode;
import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.StructOptions;
import org.refheap.StructType;
import org.refheap.WrongTypeException;
import org.refheap.leak.LeakCheckExtension;

import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.NoSuchElementException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weak collections, after CPython's {@code Lib/test/test_weakref.py} (MappingTestCase,
 * FinalizeTestCase) and {@code test_weakset.py}: entries vanish on death by count and by every
 * collector, iteration while entries die, setdefault/pop/popitem, callbacks, finalize, misuse. Every
 * test runs under the exact leak check.
 */
@ExtendWith(LeakCheckExtension.class)
class WeakCollectionsTest {
    private Heap heap;
    private Gc gc;
    private StructType obj;   // weakly referenceable, one reference field (so it can close a cycle)
    private StructType.Field next;
    private StructType.Field id;

    @BeforeEach
    void open() {
        heap = Heap.create();
        setUp();
    }

    private void setUp() {
        gc = heap.gc();
        obj = heap.defineStruct("Object", MemoryLayout.structLayout(JAVA_LONG.withName("id"), ADDRESS.withName("next")),
                StructOptions.DEFAULT.withWeakrefs());
        next = obj.field("next");
        id = obj.field("id");
    }

    @AfterEach
    void close() {
        heap.verify();
        heap.close();
    }

    private long object(long n) {
        long o = obj.allocate();
        id.setLong(o, n);
        return o;
    }

    /** Two objects referring to each other; returns the first, the caller's only reference. */
    private long cycle(long n) {
        long a = object(n);
        long b = object(n + 1000);
        next.setRef(a, b);
        next.setRef(b, a);
        heap.decref(b);
        return a;
    }

    private void finishCycle() {
        while (!gc.collectStepWork(7)) {
            heap.verify();
        }
    }

    private void stepUntil(String phase) {
        for (int i = 0; i < 10_000 && !gc.incrementalPhase().equals(phase); i++) {
            gc.collectStepWork(1);
        }
        assertEquals(phase, gc.incrementalPhase());
    }

    // ================================================================== WeakValueDictionary

    @Test
    void shouldDropAValueDictEntryWhenItsValueDiesByCount() {
        long base = heap.liveObjects();
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k1 = heap.newStr("a"), k2 = heap.newStr("b");
            long v1 = object(1), v2 = object(2);
            d.put(k1, v1);
            d.put(k2, v2);
            assertEquals(2, d.size());
            assertEquals(2, heap.getrefcount(k1), "the key is held strongly");
            assertEquals(1, heap.getrefcount(v1), "the value is not");
            long probe = heap.newStr("a"); // an equal key, another object
            long got = d.get(probe);
            assertEquals(v1, got);
            assertEquals(2, heap.getrefcount(v1), "get returns a new reference");
            heap.decref(got);
            heap.decref(v1); // dies: its entry goes, the key is released
            assertEquals(1, d.size());
            assertEquals(0, d.get(probe));
            assertFalse(d.containsKey(k1));
            assertEquals(1, heap.getrefcount(k1), "the dropped entry's key was decref'd");
            assertTrue(d.containsKey(k2));
            heap.decref(v2);
            assertEquals(0, d.size());
            for (long o : new long[] {k1, k2, probe}) {
                heap.decref(o);
            }
        }
        assertEquals(base, heap.liveObjects(), "closing frees the dictionary's object, dict and weakrefs");
    }

    @Test
    void shouldKeepTheFirstKeyObjectAndReplaceTheValue() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k = heap.newStr("k"), k2 = heap.newStr("k");
            long v1 = object(1), v2 = object(2);
            d.put(k, v1);
            d.put(k2, v2); // same key by value
            assertEquals(1, d.size());
            assertEquals(2, heap.getrefcount(k), "the stored key stays, as dicts keep it");
            assertEquals(1, heap.getrefcount(k2));
            heap.decref(v1); // the replaced value's weakref died with the replacement: no callback
            assertEquals(1, d.size());
            long got = d.get(k);
            assertEquals(v2, got);
            heap.decref(got);
            heap.decref(v2);
            assertEquals(0, d.size());
            heap.decref(k);
            heap.decref(k2);
        }
    }

    @Test
    void shouldDropEntriesWhoseValuesTheCollectorReclaims() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k = heap.newInt(1_000_001), k2 = heap.newInt(1_000_002);
            long held = object(7);
            long a = cycle(1);
            d.put(k, a);
            d.put(k2, held);
            heap.decref(a); // the cycle is garbage: its entry stays until the collector finds it
            assertEquals(2, d.size());
            assertEquals(3, gc.collect(), "the two-object cycle, and the entry's weakref its callback freed"
                    + " (CPython counts a freed weakref as collected too)");
            assertEquals(1, d.size());
            assertEquals(0, d.get(k));
            heap.decref(held);
            assertEquals(0, d.size());
            heap.decref(k);
            heap.decref(k2);
        }
    }

    @Test
    void shouldDropEntriesWhoseValuesCollectStepReclaimsAndMissThemOnceCondemned() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k = heap.newStr("cyclic");
            long a = cycle(1);
            d.put(k, a);
            long keep = object(3);
            long k2 = heap.newStr("kept");
            d.put(k2, keep);
            heap.decref(a);
            stepUntil("sweep");
            assertFalse(d.containsKey(k), "a condemned value reads as dead at once");
            assertEquals(0, d.get(k));
            List<Long> seen = new ArrayList<>();
            d.forEach((key, v) -> seen.add(v));
            assertEquals(List.of(keep), seen, "iteration never hands out a condemned value");
            finishCycle();
            assertEquals(1, d.size(), "the sweep ran the callback: the entry is gone");
            heap.decref(keep);
            assertEquals(0, d.size());
            heap.decref(k);
            heap.decref(k2);
        }
    }

    @Test
    void shouldDropEntriesThatCandidateCyclesReclaim() {
        try (Heap low = Heap.create(HeapConfig.defaults().withCollectionMode(CollectionMode.LOW_LATENCY))) {
            StructType t = low.defineStruct("Object", MemoryLayout.structLayout(ADDRESS.withName("next")),
                    StructOptions.DEFAULT.withWeakrefs());
            StructType.Field n = t.field("next");
            try (WeakValueDictionary d = WeakValueDictionary.create(low); WeakSet s = WeakSet.create(low);
                    WeakKeyDictionary w = WeakKeyDictionary.create(low)) {
                long k = low.newStr("x");
                long a = t.allocate(), b = t.allocate();
                n.setRef(a, b);
                n.setRef(b, a);
                low.decref(b);
                d.put(k, a);
                s.add(a);
                w.put(a, k);
                low.decref(a); // a decref that leaves a count above zero: a candidate root
                assertEquals(1, d.size());
                assertEquals(5, low.gc().collectCandidates(), "the cycle and the three entries' weakrefs");
                assertEquals(0, d.size());
                assertEquals(0, s.size());
                assertEquals(0, w.size());
                assertEquals(1, low.getrefcount(k), "released by both dictionaries");
                low.decref(k);
            }
            low.verify();
        }
    }

    @Test
    void shouldDeferDeathsDuringIterationAndCommitThemAfter() {
        // test_weak_values_destroy_while_iterating: the visitor drops the only references to values
        // not visited yet; they are skipped, and their entries leave when the iteration ends.
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long[] vs = new long[10];
            long[] ks = new long[10];
            for (int i = 0; i < 10; i++) {
                ks[i] = heap.newInt(500 + i);
                vs[i] = object(i);
                d.put(ks[i], vs[i]);
            }
            List<Long> seen = new ArrayList<>();
            long[] sizes = new long[1];
            d.forEach((key, v) -> {
                long n = id.getLong(v);
                seen.add(n);
                if (n == 2) {
                    for (int j = 3; j < 10; j += 2) {
                        heap.decref(vs[j]); // 3, 5, 7, 9 die while the dict is iterated
                        vs[j] = 0;
                    }
                    heap.decref(vs[2]); // the visited one too: held by the iteration until the visit ends
                    vs[2] = 0;
                    assertEquals(1, heap.getrefcount(v), "ours dropped: the iteration holds it");
                    sizes[0] = d.size();
                }
            });
            assertEquals(List.of(0L, 1L, 2L, 4L, 6L, 8L), seen);
            assertEquals(6, sizes[0], "len counts the deaths deferred by the iteration out");
            assertEquals(5, d.size());
            long keys = d.keys();
            assertEquals(5, heap.lists().size(keys));
            heap.decref(keys);
            for (int i = 0; i < 10; i++) {
                if (vs[i] != 0) {
                    heap.decref(vs[i]);
                }
                heap.decref(ks[i]);
            }
            assertEquals(0, d.size());
        }
    }

    @Test
    void shouldRefuseAnEntryAddedOrRemovedDuringIteration() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k = heap.newStr("a"), k2 = heap.newStr("b");
            long v = object(1);
            d.put(k, v);
            ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class,
                    () -> d.forEach((key, val) -> d.put(k2, v)));
            assertEquals("WeakValueDictionary changed size during iteration", e.getMessage());
            d.forEach((key, val) -> d.put(key, val)); // replacing a value is not a change of size
            assertEquals(2, d.size());
            heap.decref(v);
            heap.decref(k);
            heap.decref(k2);
        }
    }

    @Test
    void shouldPopPopitemAndSetdefaultAsCPython() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k1 = heap.newStr("1"), k2 = heap.newStr("2"), k3 = heap.newStr("3");
            long v1 = object(1), v2 = object(2), v3 = object(3);
            long got = d.setdefault(k1, v1);
            assertEquals(v1, got);
            heap.decref(got);
            got = d.setdefault(k1, v2); // present: the stored value, v2 not stored
            assertEquals(v1, got);
            heap.decref(got);
            d.put(k2, v2);
            d.put(k3, v3);
            heap.decref(v3); // the newest entry is dead: popitem skips it and drops it
            long[] item = d.popitem();
            assertArrayEquals(new long[] {k2, v2}, item);
            heap.decref(item[0]);
            heap.decref(item[1]);
            assertEquals(1, d.size());
            long p = d.pop(k1);
            assertEquals(v1, p);
            heap.decref(p);
            assertEquals(0, d.pop(k1), "absent: pop(key, None)");
            assertThrows(NoSuchElementException.class, d::popitem);
            d.put(k1, v1);
            assertTrue(d.remove(k1));
            assertFalse(d.remove(k1));
            // setdefault on a key whose value died stores the default
            d.put(k2, v2);
            heap.decref(v2);
            got = d.setdefault(k2, v1);
            assertEquals(v1, got);
            heap.decref(got);
            heap.decref(v1);
            assertEquals(0, d.size());
            for (long o : new long[] {k1, k2, k3}) {
                assertEquals(1, heap.getrefcount(o));
                heap.decref(o);
            }
        }
    }

    @Test
    void shouldLetACallbackOrFinalizerRemoveEntriesDuringACollection() {
        StructType owner = heap.defineStruct("Owner", MemoryLayout.structLayout(ADDRESS.withName("peer")),
                StructOptions.DEFAULT.withWeakrefs().withFinalizer(o -> { }));
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long[] keys = new long[4];
            for (int i = 0; i < 4; i++) {
                keys[i] = heap.newInt(900 + i);
            }
            long a = cycle(1);
            d.put(keys[0], a);
            d.put(keys[1], a);
            long b = owner.allocate();
            owner.field("peer").setRef(b, b); // a cycle of one, with a finalizer
            d.put(keys[2], b);
            // A plain weakref callback on the cycle removes another entry while the collector runs.
            long survivor = object(9);
            d.put(keys[3], survivor);
            List<Boolean> removed = new ArrayList<>();
            long wr = heap.weakrefs().ref(a, w -> removed.add(d.remove(keys[3])));
            heap.decref(a);
            heap.decref(b);
            for (long k : keys) {
                heap.decref(k); // the dict holds every key now
            }
            assertEquals(6, gc.collect(), "three objects and the three entries' weakrefs their callbacks freed");
            assertEquals(List.of(true), removed);
            assertEquals(0, d.size());
            heap.verify();
            assertEquals(1, heap.getrefcount(survivor), "removed by the callback, still ours");
            heap.decref(survivor);
            heap.decref(wr);
        }
    }

    @Test
    void shouldLetACallbackChangeTheDictWhileCollectStepSweeps() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k1 = heap.newStr("dies"), k2 = heap.newStr("removed by the callback"), k3 = heap.newStr("added by it");
            long a = cycle(1);
            long other = object(2), added = object(3);
            d.put(k1, a);
            d.put(k2, other);
            List<Long> sizes = new ArrayList<>();
            long wr = heap.weakrefs().ref(a, w -> {
                d.remove(k2);
                d.put(k3, added);
                sizes.add(d.size());
            });
            heap.decref(a);
            while (!gc.collectStepWork(3)) {
                heap.verify();
                // between steps the program goes on with the dict
                long got = d.get(k2);
                if (got != 0) {
                    assertEquals(other, got);
                    heap.decref(got);
                }
            }
            assertEquals(1, sizes.size(), "the callback ran once");
            assertEquals(1, d.size(), "k1's entry went with its value, k2's was removed, k3's added");
            long got = d.get(k3);
            assertEquals(added, got);
            heap.decref(got);
            for (long o : new long[] {k1, k2, k3, other, added, wr}) {
                heap.decref(o);
            }
            assertEquals(0, d.size());
        }
    }

    @Test
    void shouldBuildListsOfKeysValuesAndItems() {
        try (WeakValueDictionary d = WeakValueDictionary.create(heap)) {
            long k = heap.newStr("k");
            long v = object(1);
            d.put(k, v);
            long items = d.items();
            heap.decref(v); // the list's tuple keeps it alive, as list(d.items()) does
            assertEquals(1, d.size());
            long tup = heap.lists().get(items, 0);
            assertEquals(k, heap.tuples().get(tup, 0));
            assertEquals(v, heap.tuples().get(tup, 1));
            heap.decref(items);
            assertEquals(0, d.size());
            heap.decref(k);
        }
    }

    // ================================================================== WeakKeyDictionary

    @Test
    void shouldDropAKeyDictEntryWhenItsKeyDiesAndReleaseTheValue() {
        long base = heap.liveObjects();
        try (WeakKeyDictionary d = WeakKeyDictionary.create(heap)) {
            long k1 = object(1), k2 = object(2);
            long v1 = heap.newStr("one"), v2 = heap.newList();
            d.put(k1, v1);
            d.put(k2, v2);
            assertEquals(1, heap.getrefcount(k1), "the key is weak");
            assertEquals(2, heap.getrefcount(v1), "the value strong");
            long got = d.get(k1);
            assertEquals(v1, got);
            heap.decref(got);
            assertTrue(d.containsKey(k1));
            long anInt = heap.newInt(770_000);
            assertFalse(d.containsKey(anInt), "an object that cannot be weakly referenced is simply absent");
            heap.decref(k1);
            assertEquals(1, d.size());
            assertEquals(1, heap.getrefcount(v1), "the dead key's value was released");
            // The next object of the same size likely takes k1's block: it must not inherit the entry.
            long fresh = object(3);
            assertFalse(d.containsKey(fresh));
            assertEquals(0, d.get(fresh));
            d.put(fresh, v1);
            assertEquals(2, d.size());
            heap.decref(fresh);
            heap.decref(k2);
            assertEquals(0, d.size());
            for (long o : new long[] {v1, v2, anInt}) {
                assertEquals(1, heap.getrefcount(o));
                heap.decref(o);
            }
        }
        assertEquals(base, heap.liveObjects());
    }

    @Test
    void shouldDropKeyDictEntriesOfCyclesCollectedByCollectAndByCollectStep() {
        try (WeakKeyDictionary d = WeakKeyDictionary.create(heap)) {
            long v = heap.newStr("data about the cycle");
            long a = cycle(1), b = cycle(2);
            d.put(a, v);
            d.put(b, v);
            heap.decref(a);
            assertEquals(3, gc.collect(), "the cycle and its entry's weakref");
            assertEquals(1, d.size());
            heap.decref(b);
            finishCycle();
            assertEquals(0, d.size());
            assertEquals(1, heap.getrefcount(v));
            heap.decref(v);
        }
    }

    @Test
    void shouldKeepAKeyWhoseValueRefersToIt() {
        // CPython's documented caveat: a value that refers to its key keeps the key alive.
        try (WeakKeyDictionary d = WeakKeyDictionary.create(heap)) {
            long k = object(1);
            long v = heap.newList();
            heap.lists().append(v, k);
            d.put(k, v);
            heap.decref(v);
            heap.decref(k);
            assertEquals(0, gc.collect(), "held from outside the heap's graph: by the dictionary");
            assertEquals(1, d.size());
            d.clear();
        }
    }

    @Test
    void shouldPopitemSetdefaultAndIterateAKeyDict() {
        try (WeakKeyDictionary d = WeakKeyDictionary.create(heap)) {
            long k1 = object(1), k2 = object(2), k3 = object(3);
            long v = heap.newStr("v"), w = heap.newStr("w");
            long got = d.setdefault(k1, v);
            assertEquals(v, got);
            heap.decref(got);
            got = d.setdefault(k1, w);
            assertEquals(v, got);
            heap.decref(got);
            d.put(k2, w);
            d.put(k3, w);
            List<Long> seen = new ArrayList<>();
            d.forEach((key, val) -> {
                seen.add(id.getLong(key));
                if (key == k1) {
                    heap.decref(k3); // dies during the iteration: skipped, removed after
                }
            });
            assertEquals(List.of(1L, 2L), seen);
            assertEquals(2, d.size());
            long[] item = d.popitem();
            assertArrayEquals(new long[] {k2, w}, item);
            heap.decref(item[0]);
            heap.decref(item[1]);
            long p = d.pop(k1);
            assertEquals(v, p);
            heap.decref(p);
            assertFalse(d.remove(k1));
            assertThrows(NoSuchElementException.class, d::popitem);
            heap.decref(k1);
            heap.decref(k2);
            assertEquals(1, heap.getrefcount(v));
            assertEquals(1, heap.getrefcount(w));
            heap.decref(v);
            heap.decref(w);
        }
    }

    // ================================================================== WeakSet

    @Test
    void shouldKeepOnlyLiveElementsInAWeakSet() {
        try (WeakSet s = WeakSet.create(heap)) {
            long a = object(1), b = object(2), c = cycle(3);
            assertTrue(s.add(a));
            assertFalse(s.add(a));
            s.add(b);
            s.add(c);
            assertEquals(3, s.size());
            assertTrue(s.contains(b));
            heap.decref(b);
            assertEquals(2, s.size());
            heap.decref(c);
            assertEquals(2, s.size(), "a cycle waits for the collector");
            gc.collect();
            assertEquals(1, s.size());
            List<Long> seen = new ArrayList<>();
            s.forEach(seen::add);
            assertEquals(List.of(a), seen);
            long stranger = object(99);
            assertThrows(NoSuchElementException.class, () -> s.remove(stranger));
            heap.decref(stranger);
            long popped = s.pop();
            assertEquals(a, popped);
            heap.decref(popped);
            assertFalse(s.discard(a));
            assertThrows(NoSuchElementException.class, s::pop);
            assertEquals(1, heap.getrefcount(a));
            heap.decref(a);
        }
    }

    // ================================================================== finalize

    @Test
    void shouldCallAFinalizeOnceWhenItsObjectDies() {
        List<String> log = new ArrayList<>();
        long a = object(1);
        long arg = heap.newStr("arg");
        Finalize f = Finalize.register(heap, a, args -> log.add(heap.strValue(args[0])), arg);
        heap.decref(arg);
        assertTrue(f.alive());
        assertEquals(1, heap.getrefcount(arg), "held by the finalizer until the call");
        FinalizeInfo info = f.peek();
        assertEquals(a, info.obj());
        assertArrayEquals(new long[] {arg}, info.args());
        info.close();
        heap.decref(a);
        assertEquals(List.of("arg"), log);
        assertFalse(f.alive());
        assertFalse(f.call(), "called once");
        assertNull(f.peek());
        assertNull(f.detach());
        assertEquals(List.of("arg"), log);
    }

    @Test
    void shouldCallAFinalizeEarlyOnlyOnceAndDetachWithoutCalling() {
        List<Integer> log = new ArrayList<>();
        long a = object(1), b = cycle(2);
        Finalize f = Finalize.register(heap, a, args -> log.add(1));
        Finalize g = Finalize.register(heap, b, args -> log.add(2));
        assertTrue(f.call());
        assertFalse(f.alive());
        heap.decref(a);
        assertEquals(List.of(1), log, "not again when the object dies");
        FinalizeInfo info = g.detach();
        assertEquals(b, info.obj());
        assertFalse(g.alive());
        assertNull(g.detach());
        info.close();
        heap.decref(b);
        gc.collect();
        assertEquals(List.of(1), log, "detached: never called");
    }

    @Test
    void shouldCallFinalizersOfCyclesCollectedByEveryCollector() {
        List<Long> log = new ArrayList<>();
        long a = cycle(1), b = cycle(2);
        Finalize.register(heap, a, args -> log.add(1L));
        Finalize.register(heap, b, args -> log.add(2L));
        heap.decref(a);
        gc.collect();
        assertEquals(List.of(1L), log);
        heap.decref(b);
        finishCycle();
        assertEquals(List.of(1L, 2L), log);
    }

    @Test
    void shouldReportAFinalizeThatThrowsWhenItsObjectDies() {
        List<String> reported = new ArrayList<>();
        heap.setUnraisableHook((where, t) -> reported.add(t.getMessage()));
        long a = object(1);
        Finalize f = Finalize.register(heap, a, args -> {
            throw new IllegalStateException("boom");
        });
        heap.decref(a);
        assertEquals(List.of("boom"), reported);
        assertFalse(f.alive());
        long b = object(2);
        Finalize g = Finalize.register(heap, b, args -> {
            throw new IllegalStateException("called directly");
        });
        assertThrows(IllegalStateException.class, g::call, "f() raises to its caller");
        assertFalse(g.alive());
        heap.decref(b);
        assertEquals(List.of("boom"), reported);
    }

    @Test
    void shouldCallAtexitFinalizersNewestFirstWhenTheHeapCloses() {
        List<String> log = new ArrayList<>();
        Heap h = Heap.create();
        StructType t = h.defineStruct("T", MemoryLayout.structLayout(JAVA_LONG.withName("x")),
                StructOptions.DEFAULT.withWeakrefs());
        long a = t.allocate(), b = t.allocate(), c = t.allocate();
        long arg = h.newStr("kept");
        Finalize.register(h, a, args -> log.add("a " + h.strValue(args[0])), arg);
        Finalize fb = Finalize.register(h, b, args -> log.add("b"));
        Finalize fc = Finalize.register(h, c, args -> {
            log.add("c");
            Finalize.register(h, a, x -> log.add("registered at exit")); // runs too
        });
        fb.atexit(false);
        assertFalse(fb.atexit());
        assertTrue(fc.atexit());
        h.decref(arg);
        h.close();
        assertEquals(List.of("c", "registered at exit", "a kept"), log);
        assertFalse(fb.alive(), "dropped uncalled");
    }

    // ================================================================== misuse

    @Test
    void shouldRefuseTypesThatCannotBeWeaklyReferencedNamingThem() {
        long list = heap.newList(), dict = heap.newDict(), i = heap.newInt(5000), s = heap.newStr("s"),
                tup = heap.newTuple(i);
        StructType plain = heap.defineStruct("Plain", MemoryLayout.structLayout(JAVA_LONG.withName("x")));
        long p = plain.allocate();
        long target = object(1);
        long wr = heap.weakrefs().ref(target);
        heap.decref(target); // the weakref stays, reading None
        try (WeakValueDictionary d = WeakValueDictionary.create(heap); WeakKeyDictionary w = WeakKeyDictionary.create(heap);
                WeakSet set = WeakSet.create(heap)) {
            String[] names = {"list", "dict", "int", "str", "tuple", "Plain", "weakref"};
            long[] objs = {list, dict, i, s, tup, p, wr};
            for (int n = 0; n < objs.length; n++) {
                long o = objs[n];
                String expect = "cannot create weak reference to '" + names[n] + "' object";
                assertTrue(assertThrows(WrongTypeException.class, () -> d.put(s, o)).getMessage().startsWith(expect));
                assertTrue(assertThrows(WrongTypeException.class, () -> w.put(o, s)).getMessage().startsWith(expect));
                assertTrue(assertThrows(WrongTypeException.class, () -> w.get(o)).getMessage().startsWith(expect));
                assertTrue(assertThrows(WrongTypeException.class, () -> set.add(o)).getMessage().startsWith(expect));
                assertTrue(assertThrows(WrongTypeException.class,
                        () -> Finalize.register(heap, o, a -> { })).getMessage().startsWith(expect));
                assertFalse(heap.weakrefs().isWeakReferenceable(o));
            }
            String m = assertThrows(WrongTypeException.class, () -> heap.weakrefs().ref(p)).getMessage();
            assertTrue(m.contains("declare struct type 'Plain' with StructOptions.withWeakrefs()"), m);
            assertEquals(0, d.size() + w.size() + set.size(), "nothing stored by a refused call");
        }
        for (long o : new long[] {list, dict, i, s, tup, p, wr}) {
            heap.decref(o);
        }
    }

    @Test
    void shouldRefuseFreedObjectsOtherHeapsAndClosedCollections() {
        long dead = object(1);
        heap.decref(dead);
        long k = heap.newStr("k");
        WeakValueDictionary d = WeakValueDictionary.create(heap);
        WeakKeyDictionary w = WeakKeyDictionary.create(heap);
        assertThrows(RuntimeException.class, () -> d.put(k, dead));
        assertThrows(RuntimeException.class, () -> w.put(dead, k));
        long v2 = object(2);
        assertThrows(RuntimeException.class, () -> d.put(dead, v2));
        heap.decref(v2);
        try (Heap other = Heap.create()) {
            long foreign = other.newStr("elsewhere");
            assertThrows(RuntimeException.class, () -> d.put(foreign, k));
            assertThrows(RuntimeException.class, () -> w.containsKey(foreign));
        }
        assertEquals(0, d.size());
        d.close();
        w.close();
        d.close(); // twice: nothing
        assertEquals("this WeakValueDictionary is closed",
                assertThrows(IllegalStateException.class, () -> d.get(k)).getMessage());
        assertEquals("this WeakKeyDictionary is closed",
                assertThrows(IllegalStateException.class, w::size).getMessage());
        heap.decref(k);
        Heap h = Heap.create();
        WeakSet s = WeakSet.create(h);
        h.close();
        assertThrows(IllegalStateException.class, s::size);
        s.close(); // after the heap: nothing to free, no exception
        assertThrows(IllegalStateException.class, () -> WeakSet.create(h));
    }

    @Test
    void shouldReleaseEverythingWhenClosedEvenIfTheObjectIsKept() {
        long base = heap.liveObjects();
        WeakValueDictionary d = WeakValueDictionary.create(heap);
        long v = object(1);
        long k = heap.newStr("k");
        d.put(k, v);
        long holder = heap.newList();
        heap.lists().append(holder, d.address()); // the program kept the object itself
        d.close();
        assertEquals(1, heap.getrefcount(k), "the entries went at close");
        heap.decref(v);
        heap.decref(k);
        heap.decref(holder);
        assertEquals(base, heap.liveObjects());
    }
}
