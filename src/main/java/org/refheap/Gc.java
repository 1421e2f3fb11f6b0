package org.refheap;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The collector's controls, named as in CPython's {@code gc} module (in Java's camelCase). Get it
 * from {@link Heap#gc()}. Like the heap, it belongs to the heap's thread.
 *
 * <pre>{@code
 * Gc gc = heap.gc();
 * gc.getThreshold();          // [700, 10, 10]
 * gc.disable();               // hot loop: no automatic collection
 * ...
 * gc.enable();
 * long found = gc.collect();  // full collection by hand, in idle time
 * }</pre>
 */
public final class Gc {
    /** Print statistics during collection ({@code gc.DEBUG_STATS}). */
    public static final int DEBUG_STATS = Collector.DEBUG_STATS;
    /** Print the collectable objects found ({@code gc.DEBUG_COLLECTABLE}). */
    public static final int DEBUG_COLLECTABLE = Collector.DEBUG_COLLECTABLE;
    /** Print the uncollectable objects found ({@code gc.DEBUG_UNCOLLECTABLE}). */
    public static final int DEBUG_UNCOLLECTABLE = Collector.DEBUG_UNCOLLECTABLE;
    /** Keep unreachable objects in {@link #garbage()} instead of freeing them ({@code gc.DEBUG_SAVEALL}). */
    public static final int DEBUG_SAVEALL = Collector.DEBUG_SAVEALL;
    /**
     * {@code DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL}, for leak hunting ({@code gc.DEBUG_LEAK}).
     */
    public static final int DEBUG_LEAK = Collector.DEBUG_LEAK;

    private final Heap heap;
    private final Collector c;
    private final List<GcCallback> callbacks = new CallbackList();
    private long garbage;

    Gc(Heap heap, Collector collector) {
        this.heap = heap;
        this.c = collector;
    }

    /** Turns automatic collection on (the default), as {@code gc.enable()} does. */
    public void enable() {
        heap.checkOwner();
        c.enabled = true;
    }

    /** Stops automatic collection; {@link #collect()} still works. */
    public void disable() {
        heap.checkOwner();
        c.enabled = false;
    }

    /**
     * Whether automatic collection is on ({@code gc.isenabled()}).
     *
     * @return true unless {@link #disable()} was called last
     */
    public boolean isEnabled() {
        heap.checkOwner();
        return c.enabled;
    }

    /** A full collection; returns the unreachable objects found (collected + uncollectable). */
    public long collect() {
        return collect(Collector.NUM_GENERATIONS - 1);
    }

    /**
     * Collects {@code generation} (0, 1 or 2) and all younger ones. Returns the unreachable objects
     * found; 0 when called from inside a collection (a finalizer or callback).
     */
    public long collect(int generation) {
        heap.checkOwner();
        if (generation < 0 || generation >= Collector.NUM_GENERATIONS) {
            throw new IllegalArgumentException("invalid generation " + generation + ": expected 0, 1 or 2");
        }
        if (heap.remote != null) {
            heap.remote.drain(); // other threads' increfs and decrefs first (docs/THREADS.md)
        }
        return c.collect(generation);
    }

    /**
     * One step of a pause-bounded full collection (beyond CPython): works for at most about
     * {@code budgetNanos} (checked every 32 objects, so a step may overrun by the time those take) and
     * returns; the next call resumes where this one stopped, while the program goes on using the heap
     * in between. Returns true when this step completed a cycle (every object that was garbage when
     * the cycle began is then freed; garbage made during the cycle is left for the next). Young
     * collections go on as usual meanwhile; {@link #collect()} finishes a cycle under way first.
     *
     * <p>In {@link CollectionMode#LOW_LATENCY} the cycles are candidate cycles (the closure of the
     * buffered candidate roots, see {@link #collectCandidates}), and a full cycle only when a root's
     * closure outgrew {@link #setClosureLimit}; with nothing to do a step returns true at once.
     */
    public boolean collectStep(long budgetNanos) {
        heap.checkOwner();
        if (budgetNanos <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + budgetNanos + " ns");
        }
        if (c.collecting) {
            return false;
        }
        return c.inc.step(budgetNanos, true);
    }

    /** {@link #collectStep} with a budget in objects of work instead of time: deterministic. */
    public boolean collectStepWork(long objects) {
        heap.checkOwner();
        if (objects <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + objects + " objects");
        }
        if (c.collecting) {
            return false;
        }
        return c.inc.step(objects, false);
    }

    /**
     * Collects the garbage reachable from the buffered candidate roots (beyond CPython): candidate
     * cycles, stop-the-world, until no root is buffered; a pause-bounded cycle under way is finished
     * first. The work is proportional to the candidates' closure (the roots and all they reach), not
     * to the heap; at worst, when the closure is the heap, it is a full collection's. The closure is
     * not limited here ({@link #setClosureLimit} bounds the cycles of {@link #collectStep}), so every
     * root is decided.
     * Roots are buffered only in {@link CollectionMode#LOW_LATENCY}: in the default mode this does
     * nothing and returns 0. Returns the unreachable objects found; 0 from inside a collection.
     */
    public long collectCandidates() {
        heap.checkOwner();
        if (c.collecting || !c.lowLatency) {
            return 0;
        }
        return c.inc.drainCandidates();
    }

    /** Figures of the candidate collector (the low-latency mode): cycles, roots, pauses. */
    public CandidateStats getCandidateStats() {
        heap.checkOwner();
        IncrementalCollector i = c.inc;
        IncrementalCollector.CycleFigures f = i.candidates;
        return new CandidateStats(f.cycles, f.steps, f.collected, f.examined, c.roots.size(), c.roots.buffered,
                i.rootsTaken, i.undecidedRoots, i.fullCycleOwed, f.lastStepNanos, f.maxStepNanos, f.totalNanos);
    }

    /**
     * Low-latency mode: how many buffered candidate roots make an automatic collection (every
     * {@code threshold0} tracked allocations) also run a candidate step. Default 10,000, PHP's root
     * buffer threshold. A step also runs once an eighth of the live objects (at least 1,000) are
     * buffered, so that a small heap does not wait for a threshold it may never reach.
     */
    public void setCandidateThreshold(int roots) {
        heap.checkOwner();
        if (roots < 0) {
            throw new IllegalArgumentException("candidate threshold must be >= 0: " + roots);
        }
        c.candidateThreshold = roots;
    }

    /** The root count from which an automatic collection runs a candidate step (low-latency mode). @return the threshold */
    public int getCandidateThreshold() {
        heap.checkOwner();
        return c.candidateThreshold;
    }

    /**
     * The most objects one candidate cycle run by steps examines (default 100,000;
     * {@link #collectCandidates} has no limit). When the set is full, the root
     * being closed goes back to the buffer and the roots not yet taken wait for the next cycle; only a
     * root whose closure alone outgrows the limit is left undecided, for a full cycle, if it survives.
     * A larger limit decides larger closures without full cycles but makes each cycle longer, and
     * garbage made while a cycle runs waits for the next; a cycle's steps keep their budget either way.
     */
    public void setClosureLimit(int objects) {
        heap.checkOwner();
        if (objects < 1) {
            throw new IllegalArgumentException("closure limit must be at least 1: " + objects);
        }
        c.inc.closureLimit = objects;
    }

    /** The most objects one candidate cycle's closure may take in. @return the closure limit */
    public int getClosureLimit() {
        heap.checkOwner();
        return c.inc.closureLimit;
    }

    /** Low-latency mode: the budget of the candidate step an automatic collection runs (default 200 us). */
    public void setAutoStepBudget(long nanos) {
        heap.checkOwner();
        if (nanos <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + nanos + " ns");
        }
        c.autoStepNanos = nanos;
    }

    /** The budget of the candidate step an automatic collection runs. @return nanoseconds */
    public long getAutoStepBudget() {
        heap.checkOwner();
        return c.autoStepNanos;
    }

    /** Whether a pause-bounded cycle is under way, and in which phase ("idle" when none). */
    public String incrementalPhase() {
        heap.checkOwner();
        return c.inc.phaseName();
    }

    /** Figures of the pause-bounded collections: cycles, steps, collected, step pauses. */
    public IncrementalStats getIncrementalStats() {
        heap.checkOwner();
        IncrementalCollector i = c.inc;
        return new IncrementalStats(i.cycles, i.steps, i.collected, i.examined, i.lastStepNanos, i.maxStepNanos,
                i.totalNanos);
    }

    /**
     * {@code (count0, count1, count2)}: tracked allocations minus deallocations since the last
     * collection of generation 0; collections of generation 0 since the last of 1; of 1 since 2.
     */
    public long[] getCount() {
        heap.checkOwner();
        return c.count.clone();
    }

    /**
     * The collection thresholds of the three generations ({@code gc.get_threshold()}), a copy.
     *
     * @return {@code [threshold0, threshold1, threshold2]}, by default {@code [700, 10, 10]}
     */
    public int[] getThreshold() {
        heap.checkOwner();
        return c.threshold.clone();
    }

    /** {@code setThreshold(0)} disables automatic collection. Omitted thresholds keep their value. */
    public void setThreshold(int threshold0, int... rest) {
        heap.checkOwner();
        if (rest.length > 2) {
            throw new IllegalArgumentException("at most three thresholds, got " + (rest.length + 1));
        }
        if (threshold0 < 0) {
            throw new IllegalArgumentException("threshold0 must be >= 0: " + threshold0);
        }
        for (int i = 0; i < rest.length; i++) {
            if (rest[i] < 0) {
                throw new IllegalArgumentException("threshold" + (i + 1) + " must be >= 0: " + rest[i]);
            }
        }
        c.threshold[0] = threshold0;
        for (int i = 0; i < rest.length; i++) {
            c.threshold[i + 1] = rest[i];
        }
    }

    /**
     * Per generation: collections, collected, uncollectable (CPython's three), and beyond CPython:
     * candidates examined and the pauses.
     */
    public List<GcStats> getStats() {
        heap.checkOwner();
        List<GcStats> out = new ArrayList<>();
        for (int i = 0; i < Collector.NUM_GENERATIONS; i++) {
            out.add(new GcStats(i, c.collections[i], c.collected[i], c.uncollectable[i], c.candidates[i],
                    c.totalPauseNanos[i], c.lastPauseNanos[i], c.maxPauseNanos[i]));
        }
        return out;
    }

    /** Every object tracked by the collector (not the frozen ones). */
    public long[] getObjects() {
        heap.checkOwner();
        c.inc.finish(); // objects in a pause-bounded cycle are on no list until it ends
        LongList out = new LongList();
        for (int i = 0; i < Collector.NUM_GENERATIONS; i++) {
            addAll(c.gen[i], out);
        }
        return out.toArray();
    }

    /** The objects tracked in {@code generation}. */
    public long[] getObjects(int generation) {
        heap.checkOwner();
        if (generation < 0 || generation >= Collector.NUM_GENERATIONS) {
            throw new IllegalArgumentException("invalid generation " + generation + ": expected 0, 1 or 2");
        }
        c.inc.finish(); // objects in a pause-bounded cycle are on no list until it ends
        LongList out = new LongList();
        addAll(c.gen[generation], out);
        return out.toArray();
    }

    /**
     * The tracked objects that refer directly to any of {@code objs}. As in CPython, only the three
     * generations are searched: frozen objects ({@link #freeze()}) and untracked tuples are not found.
     */
    public long[] getReferrers(long... objs) {
        heap.checkOwner();
        if (objs == null) {
            throw new IllegalArgumentException("objs must not be null");
        }
        Set<Long> targets = new HashSet<>();
        for (long o : objs) {
            heap.checkLive(o);
            targets.add(o);
        }
        c.inc.finish(); // objects in a pause-bounded cycle are on no list until it ends
        LongList all = new LongList();
        for (int i = 0; i < Collector.NUM_GENERATIONS; i++) {
            addAll(c.gen[i], all);
        }
        LongList out = new LongList();
        LongList refs = new LongList();
        for (int i = 0; i < all.size(); i++) {
            long obj = all.get(i);
            refs.clear();
            heap.referents(obj, refs);
            for (int j = 0; j < refs.size(); j++) {
                if (targets.contains(refs.get(j))) {
                    out.add(obj);
                    break;
                }
            }
        }
        return out.toArray();
    }

    /** The objects {@code objs} refer to directly (what their traversal visits), atoms included. */
    public long[] getReferents(long... objs) {
        heap.checkOwner();
        if (objs == null) {
            throw new IllegalArgumentException("objs must not be null");
        }
        LongList out = new LongList();
        for (long o : objs) {
            heap.checkLive(o);
            heap.referents(o, out);
        }
        return out.toArray();
    }

    /**
     * Whether the collector tracks {@code obj} ({@code gc.is_tracked}): containers are, atoms never are,
     * and a tuple of atoms is untracked as in CPython.
     *
     * @param obj a live object
     * @return true if it is on a generation list
     */
    public boolean isTracked(long obj) {
        heap.checkOwner();
        heap.checkLive(obj);
        return heap.isContainerType(heap.getLong(obj + 8)) && c.isTracked(obj);
    }

    /** Whether {@code obj}'s finalizer has run (it can run only once). */
    public boolean isFinalized(long obj) {
        heap.checkOwner();
        heap.checkLive(obj);
        return heap.isContainerType(heap.getLong(obj + 8)) && c.isFinalized(obj);
    }

    /**
     * Moves every tracked object to the permanent generation, which no collection examines (CPython
     * 3.7+): for objects that live as long as the program, so that collections stop paying for them.
     */
    public void freeze() {
        heap.checkOwner();
        c.inc.finish(); // objects in a pause-bounded cycle are on no list until it ends
        for (int i = 0; i < Collector.NUM_GENERATIONS; i++) {
            c.merge(c.gen[i], c.permanent);
            c.count[i] = 0; // CPython zeroes every generation's count
        }
    }

    /** Moves the permanent generation back into the oldest generation. */
    public void unfreeze() {
        heap.checkOwner();
        c.inc.finish(); // objects in a pause-bounded cycle are on no list until it ends
        c.merge(c.permanent, c.gen[Collector.NUM_GENERATIONS - 1]);
    }

    /**
     * The number of objects in the permanent generation ({@code gc.get_freeze_count()}).
     *
     * @return objects frozen by {@link #freeze()}
     */
    public long getFreezeCount() {
        heap.checkOwner();
        c.inc.finish(); // objects in a pause-bounded cycle are on no list until it ends
        return c.size(c.permanent);
    }

    /** {@code gc.callbacks}: a live, mutable list; callbacks run in order at "start" and "stop". */
    public List<GcCallback> callbacks() {
        heap.checkOwner();
        return callbacks;
    }

    /**
     * {@code gc.garbage}: a heap list holding the unreachable objects found while
     * {@link #DEBUG_SAVEALL} was set (created on first use). The reference returned is borrowed: the
     * list is immortal, like a module attribute that lives as long as the heap, so a decref of it
     * changes nothing and it can never be freed under the collector. Clear it
     * ({@code lists().clear(gc.garbage())}) to let its objects go.
     */
    public long garbage() {
        heap.checkOwner();
        return garbageList();
    }

    private long garbageList() {
        if (garbage == 0) {
            garbage = heap.newImmortalList();
        }
        return garbage;
    }

    /** STATS, COLLECTABLE, UNCOLLECTABLE, SAVEALL, LEAK, or'ed together. */
    public void setDebug(int flags) {
        heap.checkOwner();
        if ((flags & ~(DEBUG_STATS | DEBUG_LEAK)) != 0) {
            throw new IllegalArgumentException("unknown debug flags 0x" + Integer.toHexString(flags));
        }
        c.debug = flags;
    }

    /**
     * The debug flags in effect ({@code gc.get_debug()}).
     *
     * @return the flags set by {@link #setDebug(int)}, 0 by default
     */
    public int getDebug() {
        heap.checkOwner();
        return c.debug;
    }

    /** Where the debug lines go (stderr by default, as in CPython). */
    public void setDebugOutput(PrintStream out) {
        heap.checkOwner();
        c.debugOut = out == null ? System.err : out;
    }

    // ------------------------------------------------------------------ internal

    void invokeCallbacks(String phase, int generation, long collected, long uncollectable, long candidates,
            long duration) {
        try {
            org.refheap.observe.Hooks.collection(heap, heap.id, heap.alloc, phase, generation, collected,
                    uncollectable, candidates, duration); // JFR event and MXBean figures; nothing when unobserved
        } catch (Throwable t) {
            heap.unraisable("observer of heap #" + heap.id, t); // observing must never break a collection
        }
        if (callbacks.isEmpty()) {
            return;
        }
        GcCallback.GcInfo info = new GcCallback.GcInfo(generation, collected, uncollectable, candidates, duration);
        for (GcCallback cb : callbacks.toArray(new GcCallback[0])) {
            if (cb == null) {
                continue; // a null slipped in through a view of the list (subList, listIterator)
            }
            try {
                cb.call(phase, info);
            } catch (Throwable t) {
                heap.unraisable("gc callback " + cb, t);
            }
        }
    }

    /** gc.garbage if it was ever made, else 0 (for verify: its items are held references too). */
    long garbageIfMade() {
        return garbage;
    }

    void saveGarbage(long obj) {
        heap.lists().append(garbageList(), obj);
    }

    private void addAll(long list, LongList out) {
        for (long g = c.next(list); g != list; g = c.next(g)) {
            out.add(g + 16);
        }
    }

    /** {@code gc.callbacks}: an ArrayList that refuses null, so that no collection meets one. */
    private static final class CallbackList extends ArrayList<GcCallback> {
        private static final long serialVersionUID = 1L;

        private static GcCallback check(GcCallback cb) {
            if (cb == null) {
                throw new IllegalArgumentException("a gc callback must not be null");
            }
            return cb;
        }

        @Override
        public boolean add(GcCallback cb) {
            return super.add(check(cb));
        }

        @Override
        public void add(int index, GcCallback cb) {
            super.add(index, check(cb));
        }

        @Override
        public GcCallback set(int index, GcCallback cb) {
            return super.set(index, check(cb));
        }

        @Override
        public boolean addAll(java.util.Collection<? extends GcCallback> c) {
            c.forEach(CallbackList::check);
            return super.addAll(c);
        }

        @Override
        public boolean addAll(int index, java.util.Collection<? extends GcCallback> c) {
            c.forEach(CallbackList::check);
            return super.addAll(index, c);
        }
    }

    /** A growable array of longs, for the debugging queries. */
    static final class LongList {
        private long[] a = new long[16];
        private int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        long get(int i) {
            return a[i];
        }

        void set(int i, long v) {
            a[i] = v;
        }

        int size() {
            return n;
        }

        void clear() {
            n = 0;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
