package org.refheap.weak;

import org.junit.jupiter.api.Test;
import org.refheap.CollectionMode;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.StructOptions;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random programs run against a weak value dict, a weak key dict and a weak set at once, and a model
 * of each: objects die by count (a lone object dropped) or become cyclic garbage (a pair dropped),
 * which dies only when a collector finds it: full collections, pause-bounded steps of a few units
 * with the program going on between them, young collections the allocations trigger, and in the
 * low-latency mode candidate cycles. An entry of a live object must be there and read exactly; an
 * entry of a dead one must be gone; an entry of garbage not yet known to be collected may be either
 * (a collection that completes makes it dead). Iterations drop objects from inside the visitor. The
 * heap is verified as it goes and must be empty at the end. The seed is printed.
 */
class WeakCollectionsModelTest {
    private static final int PROGRAMS = Boolean.getBoolean("refheap.stress") ? 3000 : 200;
    private static final int STEPS = 250;

    enum State { HELD, GARBAGE, DEAD }

    private Heap heap;
    private StructType type;
    private StructType.Field idField;
    private StructType.Field next;
    private final Map<Long, State> state = new HashMap<>();
    private final Map<Long, Long> addr = new HashMap<>();      // object id -> address, while HELD (or GARBAGE)
    private final Map<String, Long> wvdModel = new LinkedHashMap<>(); // key -> object id
    private final Map<Long, String> wkdModel = new LinkedHashMap<>(); // object id -> value text
    private final Set<Long> setModel = new HashSet<>();
    private long nextId = 1;

    @Test
    void shouldAgreeWithTheModelWhileObjectsDieByCountAndByCollection() {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        System.out.println("WeakCollectionsModelTest seed " + seed + " (-Drefheap.seed=" + seed + " to replay)");
        SplittableRandom master = new SplittableRandom(seed);
        for (int p = 0; p < PROGRAMS; p++) {
            long programSeed = master.nextLong();
            try {
                run(new SplittableRandom(programSeed), programSeed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("program " + p + " (program seed " + programSeed + ", master seed " + seed
                        + ") failed: " + e, e);
            }
        }
    }

    private void run(SplittableRandom rnd, long programSeed) {
        boolean low = rnd.nextInt(3) == 0;
        heap = Heap.create(low ? HeapConfig.defaults().withCollectionMode(CollectionMode.LOW_LATENCY)
                : HeapConfig.defaults());
        state.clear();
        addr.clear();
        wvdModel.clear();
        wkdModel.clear();
        setModel.clear();
        try {
            type = heap.defineStruct("Obj", MemoryLayout.structLayout(JAVA_LONG.withName("id"), ADDRESS.withName("next")),
                    StructOptions.DEFAULT.withWeakrefs());
            idField = type.field("id");
            next = type.field("next");
            if (rnd.nextBoolean()) {
                heap.gc().setThreshold(5 + rnd.nextInt(50), 10, 10); // young collections often, between anything
            }
            long base = heap.liveObjects();
            WeakValueDictionary d = WeakValueDictionary.create(heap);
            WeakKeyDictionary w = WeakKeyDictionary.create(heap);
            WeakSet s = WeakSet.create(heap);
            for (int step = 0; step < STEPS; step++) {
                op(rnd, d, w, s, low);
                check(d, w, s);
                if (rnd.nextInt(40) == 0) {
                    heap.verify();
                }
            }
            // The end: every object dropped, everything collected; the collections are empty.
            for (long id : new ArrayList<>(state.keySet())) {
                if (state.get(id) == State.HELD) {
                    drop(id);
                }
            }
            heap.gc().collect();
            allGarbageDead();
            check(d, w, s);
            assertEquals(0, d.size());
            assertEquals(0, w.size());
            assertEquals(0, s.size());
            d.close();
            w.close();
            s.close();
            heap.verify();
            assertEquals(base, heap.liveObjects(), "nothing left once the collections are closed");
        } finally {
            heap.close();
        }
    }

    private void op(SplittableRandom rnd, WeakValueDictionary d, WeakKeyDictionary w, WeakSet s, boolean low) {
        int r = rnd.nextInt(100);
        List<Long> held = heldIds();
        if (r < 14 || held.isEmpty()) {
            create(rnd.nextInt(3) == 0);
        } else if (r < 30) {
            long id = pick(rnd, held);
            String k = "k" + rnd.nextInt(12);
            long key = heap.newStr(k);
            d.put(key, addr.get(id));
            heap.decref(key);
            wvdModel.put(k, id);
        } else if (r < 42) {
            long id = pick(rnd, held);
            String v = "v" + rnd.nextInt(1000);
            long val = heap.newStr(v);
            w.put(addr.get(id), val);
            heap.decref(val);
            wkdModel.put(id, v);
        } else if (r < 50) {
            long id = pick(rnd, held);
            s.add(addr.get(id));
            setModel.add(id);
        } else if (r < 62) {
            drop(pick(rnd, held));
        } else if (r < 66) {
            String k = "k" + rnd.nextInt(12);
            long key = heap.newStr(k);
            long v = d.pop(key);
            Long id = wvdModel.remove(k);
            if (v != 0) {
                assertEquals(addr.get(id), v, "pop returns the entry's value");
                heap.decref(v);
            } else if (id != null) {
                assertTrue(state.get(id) != State.HELD, "pop found nothing for a live value");
            }
            heap.decref(key);
        } else if (r < 69) {
            long id = pick(rnd, held);
            assertEquals(wkdModel.containsKey(id), w.remove(addr.get(id)));
            wkdModel.remove(id);
            assertEquals(setModel.remove(id), s.discard(addr.get(id)));
        } else if (r < 74) {
            iterate(rnd, d, w, s);
        } else if (r < 82) {
            for (int i = rnd.nextInt(1, 6); i > 0; i--) {
                if (heap.gc().collectStepWork(1 + rnd.nextInt(8))) {
                    break; // a cycle completed: what it found is dead, garbage made during it may not be
                }
            }
        } else if (r < 85) {
            heap.gc().collect();
            allGarbageDead();
        } else if (r < 88 && low) {
            heap.gc().collectCandidates();
        } else if (r < 90) {
            // A fresh object, likely in a dead one's block: never in any collection.
            long o = type.allocate();
            assertFalse(w.containsKey(o));
            assertFalse(s.contains(o));
            heap.decref(o);
        } else {
            // setdefault: an existing live value wins; a dead or absent one is replaced
            long id = pick(rnd, held);
            String k = "k" + rnd.nextInt(12);
            long key = heap.newStr(k);
            long got = d.setdefault(key, addr.get(id));
            Long cur = wvdModel.get(k);
            if (cur != null && state.get(cur) == State.HELD) {
                assertEquals(addr.get(cur), got);
            } else if (got == addr.get(id)) {
                wvdModel.put(k, id);
            } else {
                assertEquals(State.GARBAGE, state.get(cur), "setdefault kept a value the model has dead");
                assertEquals(addr.get(cur), got);
            }
            heap.decref(got);
            heap.decref(key);
        }
    }

    /** forEach over all three, dropping objects from the visitor; every visited entry must be live then. */
    private void iterate(SplittableRandom rnd, WeakValueDictionary d, WeakKeyDictionary w, WeakSet s) {
        int which = rnd.nextInt(3);
        Set<Long> seen = new HashSet<>();
        if (which == 0) {
            d.forEach((key, v) -> {
                String k = heap.strValue(key);
                Long id = wvdModel.get(k);
                assertTrue(id != null && state.get(id) != State.DEAD && addr.get(id) == v, "visited " + k);
                seen.add(id);
                maybeDropDuring(rnd);
            });
        } else {
            ElementVisitor each = o -> {
                long id = idField.getLong(o);
                assertTrue(state.get(id) != State.DEAD && addr.get(id) == o, "visited a dead object " + id);
                assertTrue(which == 1 ? wkdModel.containsKey(id) : setModel.contains(id));
                seen.add(id);
                maybeDropDuring(rnd);
            };
            if (which == 1) {
                w.forEach((k, v) -> {
                    assertEquals(wkdModel.get(idField.getLong(k)), heap.strValue(v));
                    each.visit(k);
                });
            } else {
                s.forEach(each);
            }
        }
        // Every entry of an object held through the whole iteration was visited.
        for (long id : heldIds()) {
            boolean in = which == 0 ? wvdModel.containsValue(id) : which == 1 ? wkdModel.containsKey(id) : setModel.contains(id);
            if (in) {
                assertTrue(seen.contains(id), "a live entry was skipped: object " + id);
            }
        }
    }

    private void maybeDropDuring(SplittableRandom rnd) {
        if (rnd.nextInt(3) == 0) {
            List<Long> held = heldIds();
            if (!held.isEmpty()) {
                drop(pick(rnd, held));
            }
        }
        if (rnd.nextInt(6) == 0) {
            create(rnd.nextBoolean()); // allocation inside the visitor: may trigger a young collection
        }
    }

    private void check(WeakValueDictionary d, WeakKeyDictionary w, WeakSet s) {
        long sure = 0;
        long maybe = 0;
        for (Map.Entry<String, Long> e : Map.copyOf(wvdModel).entrySet()) {
            long key = heap.newStr(e.getKey());
            State st = state.get(e.getValue());
            long v = d.get(key);
            heap.decref(key);
            if (st == State.HELD) {
                assertEquals(addr.get(e.getValue()), v, "the live value of " + e.getKey());
                sure++;
            } else if (st == State.DEAD) {
                assertEquals(0, v, "the dead value of " + e.getKey() + " is still there");
                wvdModel.remove(e.getKey());
            } else {
                maybe++;
                if (v != 0) {
                    assertEquals(addr.get(e.getValue()), v);
                }
            }
            if (v != 0) {
                heap.decref(v);
            }
        }
        long size = d.size();
        assertTrue(size >= sure && size <= sure + maybe, "len " + size + " outside [" + sure + ", " + (sure + maybe) + "]");
        sure = 0;
        maybe = 0;
        for (Map.Entry<Long, String> e : Map.copyOf(wkdModel).entrySet()) {
            State st = state.get(e.getKey());
            if (st == State.DEAD) {
                wkdModel.remove(e.getKey());
                continue;
            }
            if (st == State.GARBAGE) {
                maybe++; // its address may not be used: it may be freed, or condemned
                continue;
            }
            long v = w.get(addr.get(e.getKey()));
            assertTrue(v != 0, "the value of live key " + e.getKey());
            sure++;
            assertEquals(e.getValue(), heap.strValue(v));
            heap.decref(v);
        }
        size = w.size();
        assertTrue(size >= sure && size <= sure + maybe, "WKD len " + size + " outside [" + sure + ", " + (sure + maybe) + "]");
        sure = 0;
        maybe = 0;
        for (long id : Set.copyOf(setModel)) {
            State st = state.get(id);
            if (st == State.DEAD) {
                setModel.remove(id);
            } else if (st == State.HELD) {
                assertTrue(s.contains(addr.get(id)));
                sure++;
            } else {
                maybe++;
            }
        }
        size = s.size();
        assertTrue(size >= sure && size <= sure + maybe, "set len " + size + " outside [" + sure + ", " + (sure + maybe) + "]");
    }

    private void create(boolean cyclic) {
        long id = nextId++;
        long o = type.allocate();
        idField.setLong(o, id);
        if (cyclic) {
            long partner = type.allocate();
            idField.setLong(partner, -id);
            next.setRef(o, partner);
            next.setRef(partner, o);
            heap.decref(partner);
        }
        state.put(id, State.HELD);
        addr.put(id, o);
    }

    private void drop(long id) {
        long o = addr.get(id);
        boolean cyclic = next.getRef(o) != 0;
        state.put(id, cyclic ? State.GARBAGE : State.DEAD);
        if (!cyclic) {
            addr.remove(id);
        }
        heap.decref(o);
    }

    private void allGarbageDead() {
        for (Map.Entry<Long, State> e : state.entrySet()) {
            if (e.getValue() == State.GARBAGE) {
                e.setValue(State.DEAD);
                addr.remove(e.getKey());
            }
        }
    }

    private List<Long> heldIds() {
        List<Long> out = new ArrayList<>();
        for (Map.Entry<Long, State> e : state.entrySet()) {
            if (e.getValue() == State.HELD) {
                out.add(e.getKey());
            }
        }
        out.sort(null);
        return out;
    }

    private static long pick(SplittableRandom rnd, List<Long> ids) {
        return ids.get(rnd.nextInt(ids.size()));
    }
}
