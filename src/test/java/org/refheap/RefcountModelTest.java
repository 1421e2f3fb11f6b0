package org.refheap;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random programs run on refheap and on a plain Java model of reference counting; after every step
 * the live set, every object's count and contents, and the bytes in use must agree. At the end every
 * object (cycles included) is taken apart and the heap must be empty. Weakrefs (with and without
 * callbacks) read as their referent exactly while it lives; addresses kept after the last reference
 * was dropped are used again, and the heap accepts them only for live objects.
 *
 * <p>Replay a failure with {@code -Drefheap.seed=<seed printed>}; {@code -Drefheap.programs=N} runs
 * more (make stress sets a larger default).
 */
class RefcountModelTest {
    static final boolean STRESS = Boolean.getBoolean("refheap.stress");
    /** -Drefheap.verifyAll=true: heap.verify() after every operation of every program (to find the first bad one). */
    static final boolean VERIFY_ALL = Boolean.getBoolean("refheap.verifyAll");
    /** -Drefheap.programSeed=S: run the one program with that seed (as printed by a failure). */
    static final Long PROGRAM_SEED = Long.getLong("refheap.programSeed");

    enum Kind { NODE, LIST, DICT, INT, STR, TUPLE, WEAKREF }

    /** One object of the model: its kind, its references, its count. */
    static final class MObj {
        final int id;
        final Kind kind;
        final long addr;
        long count;
        long a; // NODE field "a" (a model id, -1 for NULL)
        long b;
        final List<Integer> items = new ArrayList<>(); // LIST items, TUPLE items
        final LinkedHashMap<Integer, Integer> entries = new LinkedHashMap<>(); // DICT key id -> value id
        long intValue;
        String strValue;
        int target = -1; // WEAKREF: the model id of its referent (not a reference: no count)
        boolean callback; // WEAKREF: made with a callback

        MObj(int id, Kind kind, long addr) {
            this.id = id;
            this.kind = kind;
            this.addr = addr;
            this.count = 1;
            this.a = -1;
            this.b = -1;
        }
    }

    /** A failed program's whole log, to target/model-<seed>.log (the message shows only its tail). */
    static void saveLog(Program prog, long programSeed) {
        try {
            java.nio.file.Path p = java.nio.file.Path.of("target", "model-" + programSeed + ".log");
            java.nio.file.Files.writeString(p, prog.log);
            System.out.println("the whole log of the failed program: " + p.toAbsolutePath());
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("could not save the log: " + e);
        }
    }

    static final class Program {
        final Random rnd;
        final Heap heap;
        final StructType node;
        final StructType.Field fa;
        final StructType.Field fb;
        final Map<Integer, MObj> live = new HashMap<>();
        final List<Integer> handles = new ArrayList<>(); // references the program owns, by model id
        final Map<Long, Integer> byAddr = new HashMap<>();
        final List<Long> freedAddrs = new ArrayList<>();
        /** Raw addresses of objects whose last program handle was dropped: kept without a reference. */
        final List<Long> retained = new ArrayList<>();
        /** Weakref callbacks called, by weakref model id. */
        final Map<Integer, Integer> callbackCalls = new HashMap<>();
        /** What went wrong inside callbacks, or reached the unraisable hook. */
        final List<String> problems = new ArrayList<>();
        /** Whether this program runs heap.verify() after every collection and step (O(heap): a fraction only). */
        final boolean verifyAlways;
        int nextId;
        final StringBuilder log = new StringBuilder();

        /** Whether programs also run collections (CollectorModelTest). */
        final boolean withCollector;
        /** Whether programs run pause-bounded collection steps between mutations (IncrementalModelTest). */
        boolean incremental;
        long collectedTotal;

        Program(long seed) {
            this(seed, false);
        }

        /** Whether the heap runs in the low-latency mode: candidate roots (CandidateModelTest, IncrementalModelTest). */
        final boolean candidates;

        Program(long seed, boolean withCollector) {
            this(seed, withCollector, false);
        }

        Program(long seed, boolean withCollector, boolean candidates) {
            this.withCollector = withCollector;
            this.candidates = candidates;
            rnd = new Random(seed);
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(64L << 20).withDebug(rnd.nextInt(4) == 0)
                    .withCollectionMode(candidates ? CollectionMode.LOW_LATENCY : CollectionMode.GENERATIONAL));
            if (candidates) {
                // Small limits in half the programs: closures are cut, roots left to full cycles.
                int limit = rnd.nextBoolean() ? 1 + rnd.nextInt(20) : 100_000;
                heap.gc().setClosureLimit(limit);
                log.append("closure limit ").append(limit).append('\n');
            }
            node = heap.defineStruct("Node", MemoryLayout.structLayout(
                    JAVA_LONG.withName("v"), ADDRESS.withName("a"), ADDRESS.withName("b")),
                    StructOptions.DEFAULT.withWeakrefs());
            fa = node.field("a");
            fb = node.field("b");
            heap.gc().disable(); // pure reference counting here; CollectorModelTest adds the collector
            heap.setUnraisableHook((where, error) -> problems.add("unraisable in " + where + ": " + error));
            verifyAlways = rnd.nextInt(4) == 0 || VERIFY_ALL;
        }

        MObj add(Kind k, long addr) {
            MObj o = new MObj(nextId++, k, addr);
            live.put(o.id, o);
            byAddr.put(addr, o.id);
            handles.add(o.id);
            return o;
        }

        int randomHandle() {
            return handles.get(rnd.nextInt(handles.size()));
        }

        MObj randomHeld(Kind k) {
            List<Integer> c = new ArrayList<>();
            for (int id : handles) {
                if (live.get(id).kind == k) {
                    c.add(id);
                }
            }
            return c.isEmpty() ? null : live.get(c.get(rnd.nextInt(c.size())));
        }

        boolean hashable(MObj o) {
            return switch (o.kind) {
                case INT, STR, NODE -> true;
                case TUPLE -> o.items.stream().allMatch(i -> hashable(live.get(i)));
                default -> false;
            };
        }

        // --- the model's reference counting
        void incModel(int id) {
            live.get(id).count++;
        }

        void decModel(int id) {
            List<Integer> work = new ArrayList<>();
            work.add(id);
            while (!work.isEmpty()) {
                MObj o = live.get(work.remove(work.size() - 1));
                if (--o.count > 0) {
                    continue;
                }
                if (o.kind == Kind.WEAKREF && o.callback && incremental && heap.isAllocatedObject(o.addr)
                        && heap.gc().incrementalPhase().equals("sweep")) {
                    // The sweep holds a reference on each weakref whose callback it queued, until it ends:
                    // syncFreed drops it from the model when the heap frees it.
                    log.append("  weakref ").append(o.id).append(" held by the sweep\n");
                    continue;
                }
                live.remove(o.id);
                byAddr.remove(o.addr);
                freedAddrs.add(o.addr);
                if (o.a >= 0) {
                    work.add((int) o.a);
                }
                if (o.b >= 0) {
                    work.add((int) o.b);
                }
                work.addAll(o.items);
                for (Map.Entry<Integer, Integer> e : o.entries.entrySet()) {
                    work.add(e.getKey());
                    work.add(e.getValue());
                }
            }
        }

        void step() {
            if (incremental && rnd.nextInt(3) == 0) {
                int budget = 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40);
                log.append("step ").append(budget).append('\n');
                heap.gc().collectStepWork(budget);
                syncFreed();
                if (verifyAlways) {
                    heap.verify();
                }
                return;
            }
            if (withCollector && rnd.nextInt(12) == 0) {
                if (candidates && rnd.nextInt(3) == 0) {
                    collectCandidates();
                    return;
                }
                // With pause-bounded cycles under way, young collections only: they go on meanwhile.
                collect(incremental || rnd.nextInt(4) == 0 ? rnd.nextInt(2) : 2);
                return;
            }
            int op = handles.isEmpty() ? 0 : rnd.nextInt(20);
            Lists lists = heap.lists();
            Dicts dicts = heap.dicts();
            switch (op) {
                case 0, 1, 2 -> allocate();
                case 3 -> { // incref: the program takes another reference
                    int id = randomHandle();
                    log.append("incref ").append(id).append('\n');
                    heap.incref(live.get(id).addr);
                    incModel(id);
                    handles.add(id);
                }
                case 4, 5 -> { // drop a reference
                    int idx = rnd.nextInt(handles.size());
                    int id = handles.remove(idx);
                    long addr = live.get(id).addr;
                    log.append("decref ").append(id).append('\n');
                    heap.decref(addr);
                    decModel(id);
                    if (!handles.contains(id)) {
                        retain(addr);
                    }
                }
                case 6, 7 -> { // node.a or node.b = x or NULL
                    MObj n = randomHeld(Kind.NODE);
                    if (n == null) {
                        return;
                    }
                    boolean first = rnd.nextBoolean();
                    int v = rnd.nextInt(5) == 0 ? -1 : randomHandle();
                    log.append("set ").append(n.id).append(first ? ".a=" : ".b=").append(v).append('\n');
                    (first ? fa : fb).setRef(n.addr, v < 0 ? 0 : live.get(v).addr);
                    if (v >= 0) {
                        incModel(v);
                    }
                    long old = first ? n.a : n.b;
                    if (first) {
                        n.a = v;
                    } else {
                        n.b = v;
                    }
                    if (old >= 0) {
                        decModel((int) old);
                    }
                }
                case 8, 9 -> { // list.append(x)
                    MObj l = randomHeld(Kind.LIST);
                    if (l == null) {
                        return;
                    }
                    int v = randomHandle();
                    if (rnd.nextBoolean()) {
                        log.append("append ").append(l.id).append(' ').append(v).append('\n');
                        lists.append(l.addr, live.get(v).addr);
                        l.items.add(v);
                    } else {
                        int at = rnd.nextInt(l.items.size() + 1);
                        log.append("insert ").append(l.id).append('[').append(at).append("] ").append(v).append('\n');
                        lists.insert(l.addr, at, live.get(v).addr);
                        l.items.add(at, v);
                    }
                    incModel(v);
                }
                case 10 -> { // list[i] = x, or pop, or del, or clear
                    MObj l = randomHeld(Kind.LIST);
                    if (l == null || l.items.isEmpty()) {
                        return;
                    }
                    int i = rnd.nextInt(l.items.size());
                    switch (rnd.nextInt(4)) {
                        case 0 -> {
                            int v = randomHandle();
                            log.append("lset ").append(l.id).append('[').append(i).append("]=").append(v).append('\n');
                            lists.set(l.addr, i, live.get(v).addr);
                            incModel(v);
                            int old = l.items.set(i, v);
                            decModel(old);
                        }
                        case 1 -> {
                            log.append("pop ").append(l.id).append('[').append(i).append("]\n");
                            long got = lists.pop(l.addr, i);
                            int id = l.items.remove(i);
                            assertEquals(live.get(id).addr, got, "popped item");
                            handles.add(id); // the reference moves to the program
                        }
                        case 2 -> {
                            log.append("del ").append(l.id).append('[').append(i).append("]\n");
                            lists.delete(l.addr, i);
                            decModel(l.items.remove(i));
                        }
                        default -> {
                            log.append("clear ").append(l.id).append('\n');
                            lists.clear(l.addr);
                            List<Integer> old = new ArrayList<>(l.items);
                            l.items.clear();
                            old.forEach(this::decModel);
                        }
                    }
                }
                case 11, 12 -> { // d[k] = v
                    MObj d = randomHeld(Kind.DICT);
                    if (d == null) {
                        return;
                    }
                    MObj k = keyCandidate();
                    if (k == null) {
                        return;
                    }
                    int v = randomHandle();
                    log.append("put ").append(d.id).append('[').append(k.id).append("]=").append(v).append('\n');
                    dicts.put(d.addr, k.addr, live.get(v).addr);
                    Integer existing = findKey(d, k);
                    incModel(v);
                    if (existing != null) {
                        int old = d.entries.put(existing, v);
                        decModel(old);
                    } else {
                        incModel(k.id);
                        d.entries.put(k.id, v);
                    }
                }
                case 13 -> { // del d[k]
                    MObj d = randomHeld(Kind.DICT);
                    if (d == null || d.entries.isEmpty()) {
                        return;
                    }
                    List<Integer> keys = new ArrayList<>(d.entries.keySet());
                    MObj k = live.get(keys.get(rnd.nextInt(keys.size())));
                    log.append("remove ").append(d.id).append('[').append(k.id).append("]\n");
                    assertTrue(dicts.remove(d.addr, k.addr));
                    int v = d.entries.remove(k.id);
                    decModel(k.id);
                    decModel(v);
                }
                case 14 -> { // d[k] by value (getInt/putInt/removeInt, getStr/...): no key object made
                    MObj d = randomHeld(Kind.DICT);
                    if (d == null || d.entries.isEmpty()) {
                        return;
                    }
                    List<Integer> keys = new ArrayList<>(d.entries.keySet());
                    MObj k = live.get(keys.get(rnd.nextInt(keys.size())));
                    if (k.kind != Kind.INT && k.kind != Kind.STR) {
                        return;
                    }
                    boolean isInt = k.kind == Kind.INT;
                    int v = d.entries.get(k.id);
                    assertEquals(live.get(v).addr, isInt ? dicts.getInt(d.addr, k.intValue)
                            : dicts.getStr(d.addr, k.strValue), "by-value get");
                    if (rnd.nextBoolean()) {
                        int nv = randomHandle();
                        log.append("putByValue ").append(d.id).append('[').append(k.id).append("]=").append(nv).append('\n');
                        if (isInt) {
                            dicts.putInt(d.addr, k.intValue, live.get(nv).addr);
                        } else {
                            dicts.putStr(d.addr, k.strValue, live.get(nv).addr);
                        }
                        incModel(nv);
                        d.entries.put(k.id, nv);
                        decModel(v);
                    } else {
                        log.append("removeByValue ").append(d.id).append('[').append(k.id).append("]\n");
                        assertTrue(isInt ? dicts.removeInt(d.addr, k.intValue) : dicts.removeStr(d.addr, k.strValue));
                        d.entries.remove(k.id);
                        decModel(k.id);
                        decModel(v);
                    }
                }
                case 16 -> newWeakref();
                case 17 -> readWeakref();
                case 18 -> useRetainedAddress();
                case 19 -> queryCollector();
                default -> allocate();
            }
        }

        /** The program forgets its last reference to the object at {@code addr} but keeps the address. */
        void retain(long addr) {
            if (retained.size() == 32) {
                retained.remove(0);
            }
            retained.add(addr);
        }

        /** weakref.ref(node), with a callback one time in three. */
        void newWeakref() {
            MObj n = randomHeld(Kind.NODE);
            if (n == null) {
                return;
            }
            int wid = nextId;
            boolean cb = rnd.nextInt(3) == 0;
            log.append("weakref ").append(wid).append(" -> ").append(n.id).append(cb ? " with callback" : "").append('\n');
            long wr = cb ? heap.weakrefs().ref(n.addr, callbackFor(wid)) : heap.weakrefs().ref(n.addr);
            MObj w = add(Kind.WEAKREF, wr);
            assertEquals(wid, w.id);
            w.target = n.id;
            w.callback = cb;
        }

        /** A callback that records its call and checks it sees its own weakref, already dead. */
        WeakCallback callbackFor(int wid) {
            return wr -> {
                callbackCalls.merge(wid, 1, Integer::sum);
                MObj w = live.get(wid);
                if (w == null || w.addr != wr) {
                    problems.add("callback of weakref " + wid + " called with 0x" + Long.toHexString(wr)
                            + (w == null ? ", a weakref the model freed" : ", not its weakref 0x" + Long.toHexString(w.addr)));
                    return;
                }
                if (heap.weakrefs().isAlive(wr) || heap.weakrefs().get(wr) != heap.none()) {
                    problems.add("callback of weakref " + wid + " runs while its referent reads as alive");
                }
            };
        }

        /**
         * wr(): it returns the referent only if the referent is live in the model (then the program
         * may keep it: incref, a handle); None only if the referent is freed, or, while pause-bounded
         * cycles run, unreachable (condemned by the cycle).
         */
        void readWeakref() {
            MObj w = randomHeld(Kind.WEAKREF);
            if (w == null) {
                return;
            }
            long got = heap.weakrefs().get(w.addr);
            boolean alive = heap.weakrefs().isAlive(w.addr);
            MObj t = live.get(w.target);
            log.append("wget ").append(w.id).append(" -> ").append(got == heap.none() ? "None" : "0x" + Long.toHexString(got))
                    .append('\n');
            assertEquals(got != heap.none(), alive, "isAlive agrees with get");
            if (got == heap.none()) {
                assertTrue(t == null || incremental && !reachable().contains(t.id), () -> "weakref " + w.id
                        + " reads as dead but its referent " + t.id + " is live and "
                        + (incremental ? "reachable" : "not collected"));
                return;
            }
            assertTrue(t != null, () -> "weakref " + w.id + " returned 0x" + Long.toHexString(got)
                    + " but its referent " + w.target + " was freed");
            assertEquals(t.addr, got, "weakref " + w.id + " returns its referent");
            if (rnd.nextBoolean()) {
                log.append("keep ").append(t.id).append('\n');
                heap.incref(got); // what a weakref returns is alive: the program may keep it
                incModel(t.id);
                handles.add(t.id);
            }
        }

        /**
         * Uses an address kept without a reference: incref it, or append it to a held list. The heap
         * may refuse only what the model freed, or, between the steps of a cycle past its mark, a
         * tracked object the model cannot reach (condemned); then nothing changed. What it accepts
         * must be live in the model, which takes the new reference: the object is reachable again
         * and must stay in agreement.
         */
        void useRetainedAddress() {
            if (retained.isEmpty()) {
                return;
            }
            long a = retained.get(rnd.nextInt(retained.size()));
            Integer id = byAddr.get(a);
            MObj o = id == null ? null : live.get(id);
            String phase = incremental ? heap.gc().incrementalPhase() : "idle";
            boolean mayRefuse = o == null
                    || (phase.equals("sweep") || phase.equals("delete")) && tracked(o) && !reachable().contains(o.id);
            MObj l = rnd.nextBoolean() ? randomHeld(Kind.LIST) : null;
            log.append(l == null ? "incref-retained 0x" : "append-retained " + l.id + " 0x").append(Long.toHexString(a))
                    .append(" (model: ").append(o == null ? "freed" : o.kind + " " + o.id).append(", phase ")
                    .append(phase).append(")\n");
            try {
                if (l == null) {
                    heap.incref(a);
                } else {
                    heap.lists().append(l.addr, a);
                }
            } catch (UseAfterFreeException | NotAnObjectException | RefcountException e) {
                log.append("  refused: ").append(e.getClass().getSimpleName()).append('\n');
                assertTrue(mayRefuse, () -> "the heap refused 0x" + Long.toHexString(a) + ", a live " + o.kind + " "
                        + o.id + (incremental ? " (phase " + phase + ")" : "") + ": " + e);
                heap.verify();
                return;
            }
            assertTrue(o != null, () -> "the heap accepted 0x" + Long.toHexString(a) + ", which the model freed");
            incModel(o.id);
            if (l == null) {
                handles.add(o.id);
            } else {
                l.items.add(o.id);
            }
        }

        /**
         * gc.get_objects() and gc.get_referrers(x) against the model (both finish a pause-bounded
         * cycle under way first), and heap.verify().
         */
        void queryCollector() {
            if (!withCollector || rnd.nextInt(4) != 0) {
                if (rnd.nextInt(8) == 0) {
                    log.append("verify\n");
                    heap.verify();
                }
                return;
            }
            log.append("getObjects\n");
            long[] objs = heap.gc().getObjects();
            syncFreed();
            java.util.Set<Long> expected = new java.util.HashSet<>();
            for (MObj o : live.values()) {
                if (tracked(o)) {
                    expected.add(o.addr);
                }
            }
            java.util.Set<Long> got = new java.util.HashSet<>();
            for (long x : objs) {
                assertTrue(got.add(x), () -> "getObjects lists 0x" + Long.toHexString(x) + " twice");
            }
            assertEquals(expected, got, "getObjects: the tracked live objects");
            if (handles.isEmpty()) {
                return;
            }
            MObj x = live.get(randomHandle());
            log.append("getReferrers ").append(x.id).append('\n');
            java.util.Set<Long> referrers = new java.util.HashSet<>();
            for (MObj o : live.values()) {
                if (tracked(o) && children(o).contains(x.id)) {
                    referrers.add(o.addr);
                }
            }
            java.util.Set<Long> gotReferrers = new java.util.HashSet<>();
            for (long r : heap.gc().getReferrers(x.addr)) {
                gotReferrers.add(r);
            }
            assertEquals(referrers, gotReferrers, "getReferrers of " + x.id);
        }

        /**
         * Weakrefs against the model: each reads as its referent exactly when the referent is live
         * (while cycles run, a live but unreachable referent may read as dead); a callback runs at
         * most once, only once its referent is dead, and always when the referent was freed while
         * the weakref stayed reachable. {@code exact}: no pause-bounded cycle, every live weakref is
         * held to that.
         */
        void checkWeakrefs(boolean exact, java.util.Set<Integer> reach) {
            assertTrue(problems.isEmpty(), () -> "inside callbacks: " + problems);
            for (MObj w : live.values()) {
                if (w.kind != Kind.WEAKREF || !exact && !reach.contains(w.id)) {
                    continue;
                }
                MObj t = live.get(w.target);
                long got = heap.weakrefs().get(w.addr);
                if (t == null) {
                    assertEquals(heap.none(), got, () -> "weakref " + w.id + " to freed " + w.target);
                } else if (exact || reach.contains(t.id)) {
                    assertEquals(t.addr, got, () -> "weakref " + w.id + " to live " + t.id);
                } else {
                    assertTrue(got == t.addr || got == heap.none(), "weakref " + w.id + " reads as its referent or None");
                }
                int calls = callbackCalls.getOrDefault(w.id, 0);
                assertTrue(calls <= 1, () -> "callback of weakref " + w.id + " called " + calls + " times");
                if (calls == 1) {
                    assertTrue(t == null || !exact && !reach.contains(t.id), () -> "callback of weakref " + w.id
                            + " called while its referent " + t.id + " lives");
                } else if (w.callback && t == null) {
                    fail("weakref " + w.id + " outlived its referent " + w.target + " but its callback was not called");
                }
            }
            for (Map.Entry<Integer, Integer> e : callbackCalls.entrySet()) {
                assertTrue(e.getValue() <= 1, () -> "callback of weakref " + e.getKey() + " called " + e.getValue() + " times");
            }
        }

        MObj keyCandidate() {
            for (int tries = 0; tries < 5; tries++) {
                MObj k = live.get(randomHandle());
                if (hashable(k)) {
                    return k;
                }
            }
            return null;
        }

        /** The key object already in {@code d} that equals {@code k} by value, if any. */
        Integer findKey(MObj d, MObj k) {
            for (int key : d.entries.keySet()) {
                if (valueEquals(live.get(key), k)) {
                    return key;
                }
            }
            return null;
        }

        boolean valueEquals(MObj x, MObj y) {
            if (x == y) {
                return true;
            }
            if (x.kind != y.kind) {
                return false;
            }
            return switch (x.kind) {
                case INT -> x.intValue == y.intValue;
                case STR -> x.strValue.equals(y.strValue);
                case TUPLE -> {
                    if (x.items.size() != y.items.size()) {
                        yield false;
                    }
                    for (int i = 0; i < x.items.size(); i++) {
                        if (!valueEquals(live.get(x.items.get(i)), live.get(y.items.get(i)))) {
                            yield false;
                        }
                    }
                    yield true;
                }
                default -> false;
            };
        }

        void allocate() {
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    long v = 1000 + rnd.nextInt(8);
                    MObj o = add(Kind.INT, heap.newInt(v));
                    o.intValue = v;
                }
                case 1 -> {
                    String s = "k" + rnd.nextInt(8);
                    MObj o = add(Kind.STR, heap.newStr(s));
                    o.strValue = s;
                }
                case 2 -> {
                    if (handles.isEmpty() || rnd.nextBoolean()) {
                        add(Kind.NODE, node.allocate());
                        return;
                    }
                    int n = 1 + rnd.nextInt(3);
                    long[] addrs = new long[n];
                    List<Integer> ids = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int id = randomHandle();
                        ids.add(id);
                        addrs[i] = live.get(id).addr;
                    }
                    long t = heap.newTuple(addrs);
                    ids.forEach(this::incModel);
                    MObj o = add(Kind.TUPLE, t);
                    o.items.addAll(ids);
                }
                case 3 -> add(Kind.LIST, heap.newList());
                case 4 -> add(Kind.DICT, heap.newDict());
                default -> add(Kind.NODE, node.allocate());
            }
            MObj made = live.get(nextId - 1);
            log.append("alloc ").append(made.kind).append(' ').append(made.id);
            if (made.kind == Kind.TUPLE) {
                log.append(' ').append(made.items);
            }
            log.append(" 0x").append(Long.toHexString(made.addr)).append('\n');
        }

        /** What the program can reach from the references it holds. */
        java.util.Set<Integer> reachable() {
            java.util.Set<Integer> seen = new java.util.HashSet<>(handles);
            java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>(seen);
            while (!work.isEmpty()) {
                for (int c : children(live.get(work.pop()))) {
                    if (seen.add(c)) {
                        work.push(c);
                    }
                }
            }
            return seen;
        }

        List<Integer> children(MObj o) {
            List<Integer> out = new ArrayList<>();
            if (o.a >= 0) {
                out.add((int) o.a);
            }
            if (o.b >= 0) {
                out.add((int) o.b);
            }
            out.addAll(o.items);
            for (Map.Entry<Integer, Integer> e : o.entries.entrySet()) {
                out.add(e.getKey());
                out.add(e.getValue());
            }
            return out;
        }

        /** Whether the collector tracks {@code o} (atoms never; tuples only if an item may be tracked). */
        boolean tracked(MObj o) {
            return switch (o.kind) {
                case INT, STR -> false;
                case TUPLE -> o.items.stream().anyMatch(i -> tracked(live.get(i)) || live.get(i).kind != Kind.TUPLE
                        && live.get(i).kind != Kind.INT && live.get(i).kind != Kind.STR);
                default -> true;
            };
        }

        /**
         * Runs a collection and checks it against the model: nothing reachable freed; after a full
         * collection nothing unreachable left, and the count returned is the unreachable tracked
         * objects. Then the model drops what the heap freed.
         */
        void collect(int generation) {
            java.util.Set<Integer> reach = reachable();
            long expectedFull = live.values().stream().filter(o -> !reach.contains(o.id) && tracked(o)).count();
            log.append("collect ").append(generation).append('\n');
            long n = heap.gc().collect(generation);
            if (verifyAlways) {
                heap.verify();
            }
            List<MObj> freed = new ArrayList<>();
            for (MObj o : live.values()) {
                if (!heap.isAllocatedObject(o.addr)) {
                    freed.add(o);
                }
            }
            for (MObj o : freed) {
                assertFalse(reach.contains(o.id), () -> "collect(" + generation + ") freed reachable object " + o.id);
            }
            if (generation == 2) {
                assertEquals(live.size() - reach.size(), freed.size(), "objects left unreachable after a full collection");
                assertEquals(expectedFull, n, "collect() result");
            } else {
                assertTrue(n <= freed.size(), "collect(" + generation + ") returned " + n + " but freed " + freed.size());
            }
            collectedTotal += n;
            java.util.Set<Integer> gone = new java.util.HashSet<>();
            freed.forEach(o -> gone.add(o.id));
            for (MObj o : freed) {
                live.remove(o.id);
                byAddr.remove(o.addr);
                freedAddrs.add(o.addr);
            }
            for (MObj o : freed) {
                for (int c : children(o)) {
                    // A child may have gone in an earlier step: garbage is taken apart over several.
                    if (!gone.contains(c) && live.containsKey(c)) {
                        live.get(c).count--;
                    }
                }
            }
        }

        /**
         * gc.collectCandidates() (stop-the-world candidate cycles; a cycle under way finishes first):
         * nothing reachable freed, and it reports no more than it freed.
         */
        void collectCandidates() {
            log.append("collectCandidates\n");
            long before = heap.liveObjects();
            long n = heap.gc().collectCandidates();
            if (verifyAlways) {
                heap.verify();
            }
            assertTrue(n <= before - heap.liveObjects(), () -> "collectCandidates returned " + n + " but freed "
                    + (before - heap.liveObjects()));
            syncFreed();
            collectedTotal += n;
        }

        /**
         * Low-latency mode, every reference dropped: candidate cycles (and the full cycles their cut
         * closures owe) must free everything, with no full collection.
         */
        void drainCandidates() {
            log.append("drain the candidates\n");
            long foundBefore = heap.gc().getCandidateStats().collected() + heap.gc().getIncrementalStats().collected();
            int steps = 0;
            while (heap.gc().getCandidateStats().buffered() > 0 || heap.gc().getCandidateStats().fullCycleOwed()
                    || !heap.gc().incrementalPhase().equals("idle")) {
                heap.gc().collectStepWork(1 + rnd.nextInt(1000));
                syncFreed();
                assertTrue(++steps < 1_000_000, "the candidates never drain");
            }
            collectedTotal += heap.gc().getCandidateStats().collected() + heap.gc().getIncrementalStats().collected()
                    - foundBefore;
            assertEquals(0, heap.liveObjects(), () -> "live objects after the candidates drained: " + heap.stats()
                    + ", " + heap.gc().getCandidateStats());
        }

        /**
         * After a pause-bounded step: whatever the heap freed must be unreachable in the model; the
         * model then drops it (its references to survivors with it).
         */
        void syncFreed() {
            java.util.Set<Integer> reach = reachable();
            List<MObj> freed = new ArrayList<>();
            for (MObj o : live.values()) {
                if (!heap.isAllocatedObject(o.addr)) {
                    freed.add(o);
                }
            }
            java.util.Set<Integer> gone = new java.util.HashSet<>();
            for (MObj o : freed) {
                assertFalse(reach.contains(o.id), () -> "a step freed reachable object " + o.id + " " + o.kind);
                gone.add(o.id);
            }
            for (MObj o : freed) {
                live.remove(o.id);
                byAddr.remove(o.addr);
            }
            for (MObj o : freed) {
                for (int c : children(o)) {
                    // A child may have gone in an earlier step: garbage is taken apart over several.
                    if (!gone.contains(c) && live.containsKey(c)) {
                        live.get(c).count--;
                    }
                }
            }
        }

        /**
         * The check while pause-bounded cycles run: garbage may be half taken apart between steps, so
         * only reachable objects are compared: contents exactly, counts between what reachable
         * referrers need and what the model counts.
         */
        void checkReachable() {
            assertEquals(live.size(), heap.liveObjects(), "live objects");
            java.util.Set<Integer> reach = reachable();
            Map<Integer, Integer> needed = new HashMap<>();
            for (int h : handles) {
                needed.merge(h, 1, Integer::sum);
            }
            for (int id : reach) {
                for (int c : children(live.get(id))) {
                    needed.merge(c, 1, Integer::sum);
                }
            }
            boolean sweeping = heap.gc().incrementalPhase().equals("sweep");
            for (int id : reach) {
                MObj o = live.get(id);
                long rc = heap.getrefcount(o.addr);
                int need = needed.getOrDefault(id, 0);
                // The sweep holds a reference on each weakref whose callback it queued, until its end.
                long most = o.count + (sweeping && o.callback && live.containsKey(o.target) && !reach.contains(o.target) ? 1 : 0);
                assertTrue(rc >= need && rc <= most, () -> "count of reachable object " + id + " " + o.kind + " is "
                        + rc + ", expected " + need + ".." + most);
                if (o.kind == Kind.LIST) {
                    assertEquals(o.items.size(), heap.lists().size(o.addr), "list size");
                    for (int i = 0; i < o.items.size(); i++) {
                        assertEquals(live.get(o.items.get(i)).addr, heap.lists().get(o.addr, i), "list item");
                    }
                } else if (o.kind == Kind.NODE) {
                    assertEquals(o.a < 0 ? 0 : live.get((int) o.a).addr, fa.getRef(o.addr), "node.a");
                    assertEquals(o.b < 0 ? 0 : live.get((int) o.b).addr, fb.getRef(o.addr), "node.b");
                } else if (o.kind == Kind.DICT) {
                    assertEquals(o.entries.size(), heap.dicts().size(o.addr), "dict size");
                }
            }
            checkWeakrefs(false, reach);
        }

        /** With a collector: drop every reference the program holds; one collection must empty the heap. */
        void teardownByCollection() {
            if (incremental) {
                log.append("teardown: finish the cycle\n");
                while (!heap.gc().collectStepWork(1000)) {
                    syncFreed();
                }
                syncFreed();
            }
            for (int h : new ArrayList<>(handles)) {
                handles.remove((Integer) h);
                log.append("teardown: decref ").append(h).append('\n');
                heap.decref(live.get(h).addr);
                decModel(h);
                if (VERIFY_ALL) {
                    heap.verify();
                }
            }
            if (candidates) {
                drainCandidates();
            }
            collect(2);
            assertEquals(0, heap.liveObjects(), "live objects after the last collection: " + heap.stats());
            assertEquals(0, heap.bytesInUse(), "bytes in use after the last collection");
            heap.close();
        }

        /** Every live object agrees with the model; every freed address reads as freed. */
        void check() {
            assertEquals(live.size(), heap.liveObjects(), "live objects");
            long expectedBytes = 0;
            for (MObj o : live.values()) {
                assertEquals(o.count, heap.getrefcount(o.addr), () -> "count of object " + o.id + " " + o.kind);
                expectedBytes += heap.alloc.usableSize(o.kind == Kind.INT || o.kind == Kind.STR ? o.addr : o.addr - 16);
                switch (o.kind) {
                    case NODE -> {
                        assertEquals(o.a < 0 ? 0 : live.get((int) o.a).addr, fa.getRef(o.addr), "node.a");
                        assertEquals(o.b < 0 ? 0 : live.get((int) o.b).addr, fb.getRef(o.addr), "node.b");
                    }
                    case LIST -> {
                        assertEquals(o.items.size(), heap.lists().size(o.addr), "list size");
                        for (int i = 0; i < o.items.size(); i++) {
                            assertEquals(live.get(o.items.get(i)).addr, heap.lists().get(o.addr, i), "list item");
                        }
                        long items = heap.getLong(o.addr + 32);
                        if (items != 0) {
                            expectedBytes += heap.alloc.usableSize(items);
                        }
                    }
                    case DICT -> {
                        assertEquals(o.entries.size(), heap.dicts().size(o.addr), "dict size");
                        for (Map.Entry<Integer, Integer> e : o.entries.entrySet()) {
                            assertEquals(live.get(e.getValue()).addr, heap.dicts().get(o.addr, live.get(e.getKey()).addr),
                                    "dict value");
                        }
                        expectedBytes += heap.dicts().rawBytes(o.addr);
                        List<Long> order = new ArrayList<>();
                        for (long s = heap.dicts().nextSlot(o.addr, 0); s >= 0; s = heap.dicts().nextSlot(o.addr, s + 1)) {
                            order.add(heap.dicts().keyAt(o.addr, s));
                        }
                        List<Long> expectedOrder = new ArrayList<>();
                        o.entries.keySet().forEach(id -> expectedOrder.add(live.get(id).addr));
                        assertEquals(expectedOrder, order, "dict insertion order");
                    }
                    case TUPLE -> {
                        for (int i = 0; i < o.items.size(); i++) {
                            assertEquals(live.get(o.items.get(i)).addr, heap.tuples().get(o.addr, i), "tuple item");
                        }
                    }
                    case INT -> assertEquals(o.intValue, heap.intValue(o.addr));
                    case STR -> assertEquals(o.strValue, heap.strValue(o.addr));
                    case WEAKREF -> {
                    }
                }
            }
            checkWeakrefs(true, null);
            assertEquals(expectedBytes, heap.bytesInUse(), "bytes in use");
            for (long addr : freedAddrs) {
                if (!byAddr.containsKey(addr)) {
                    assertFalse(heap.isLive(addr), () -> "freed address 0x" + Long.toHexString(addr) + " reads as live");
                }
            }
            freedAddrs.clear();
        }

        /** Takes every remaining object (cycles too) apart; the heap must end empty. */
        void teardown() {
            List<MObj> rest = new ArrayList<>(live.values());
            for (MObj o : rest) {
                heap.incref(o.addr);
            }
            for (MObj o : rest) {
                switch (o.kind) {
                    case NODE -> {
                        fa.setRef(o.addr, 0);
                        fb.setRef(o.addr, 0);
                    }
                    case LIST -> heap.lists().clear(o.addr);
                    case DICT -> heap.dicts().clear(o.addr);
                    default -> {
                    }
                }
            }
            // What is left is held by us (once each), by the program's handles and by tuples.
            for (int h : handles) {
                heap.decref(live.get(h).addr);
            }
            for (MObj o : rest) {
                heap.decref(o.addr);
            }
            assertEquals(0, heap.liveObjects(), "live objects after teardown: " + heap.stats());
            assertEquals(0, heap.bytesInUse(), "bytes in use after teardown");
            heap.close();
        }
    }

    @Test
    void shouldAgreeWithTheModelOnRandomPrograms() {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        int programs = Integer.getInteger("refheap.programs", STRESS ? 100_000 : 10_000);
        System.out.println("RefcountModelTest seed=" + seed + " programs=" + programs
                + " (replay: -Drefheap.seed=" + seed + ")");
        Random master = new Random(seed);
        for (int p = 0; p < programs; p++) {
            long ps = PROGRAM_SEED != null ? PROGRAM_SEED : master.nextLong();
            if (PROGRAM_SEED != null && p > 0) {
                break;
            }
            Program prog = new Program(ps);
            int steps = 50 + prog.rnd.nextInt(250);
            try {
                for (int s = 0; s < steps; s++) {
                    prog.step();
                    if (VERIFY_ALL) {
                        prog.heap.verify();
                    }
                    prog.check();
                }
                prog.teardown();
            } catch (Throwable t) {
                saveLog(prog, ps);
                String tail = prog.log.length() > 3000 ? prog.log.substring(prog.log.length() - 3000) : prog.log.toString();
                fail("program " + p + " (program seed " + ps + ", master seed " + seed + ") failed: " + t
                        + "\nlast operations:\n" + tail, t);
            }
        }
    }
}
