package org.refheap;

import java.io.PrintStream;

import static org.refheap.layout.BuiltinLayouts.*;
import static org.refheap.layout.ObjectLayout.GC_HEAD_SIZE;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.*;

/**
 * The generational cycle collector: CPython's {@code Python/gc.c} algorithm (3.8-3.13, the
 * generational one), written again in Java over the heap's GC heads.
 *
 * <h2>GC head bits</h2>
 * The collector works on <em>GC head addresses</em> {@code g = obj - 16}, as gc.c works on
 * {@code PyGC_Head *}. List heads are 16-byte raw blocks shaped like a GC head.
 * <pre>
 *  word     bits  meaning
 *  gc_next  63..0 address of the next GC head in the list; 0 = untracked
 *           0     UNREACHABLE: from move_unreachable until the weakref pass, marks an unreachable object
 *  gc_prev  63..4 between collections: address of the previous GC head (16-byte aligned, so bits
 *                 0..3 are free); during a collection: gc_refs, a copy of the count minus internal
 *                 references (CPython 3.8+ packing, shifted past the four flag bits)
 *           3     BUFFERED: a candidate root in {@link CandidateRoots} (the low-latency mode); kept
 *                 through every collection, like FINALIZED
 *           2     CONDEMNED: on the pause-bounded collector's garbage list only
 *           1     COLLECTING: in the set being collected (set by update_refs, cleared when found reachable)
 *           0     FINALIZED: the finalizer has run (PEP 442)
 * </pre>
 * FINALIZED and BUFFERED ({@link #KEPT}) outlive every collection and every move between lists.
 *
 * <h2>Pipeline</h2>
 * {@link #collect(int)} is the main function. Its phases, in order, each a method that opens with the
 * postcondition it guarantees: {@link #updateRefs}, {@link #subtractRefs}, {@link #moveUnreachable},
 * {@link #handleWeakrefs}, then only when an unreachable object has a finalizer still to run
 * {@link #finalizeGarbage}, {@link #handleResurrected} and {@link #clearWeakrefs}, and last
 * {@link #deleteGarbage}. Without pending finalizers nothing can resurrect (a weakref callback only
 * sees a cleared weakref), so the second deduction CPython always makes is skipped. No phase
 * recurses over the object graph: {@code moveUnreachable} marks with a stack linked through the
 * GC heads themselves, with O(1) extra memory.
 *
 * <p>Traversal ({@code tp_traverse}) is by the type's kind: struct types through their reference
 * offsets, tuples and lists through their items, dicts through keys and values; weakrefs have none.
 */
final class Collector {
    static final int NUM_GENERATIONS = 3;
    static final long FINALIZED = 1;
    static final long COLLECTING = 2;
    /**
     * On the pause-bounded collector's garbage list only (never with COLLECTING): condemned by a
     * cycle whose marking is complete. Young collections between steps ignore such objects.
     */
    static final long CONDEMNED = 4;
    /** A candidate root: in the root buffer ({@link CandidateRoots}); only in the low-latency mode. */
    static final long BUFFERED = 8;
    /** The flags that outlive a collection: whatever rewrites gc_prev keeps these. */
    static final long KEPT = FINALIZED | BUFFERED;
    /** The flags a collection's gc_prev word carries beside gc_refs. */
    private static final long PREV_FLAGS = FINALIZED | COLLECTING | BUFFERED;
    /** Flag bits kept by the list primitives: a list link is 16-byte aligned, so bits 0..3 are free. */
    private static final long LINK_FLAGS = 15;
    private static final int REFS_SHIFT = 4;
    private static final long UNREACHABLE = 1;

    static final int DEBUG_STATS = 1;
    static final int DEBUG_COLLECTABLE = 2;
    static final int DEBUG_UNCOLLECTABLE = 4;
    static final int DEBUG_SAVEALL = 32;
    static final int DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

    // traversal modes
    private static final int SUBTRACT = 0;
    private static final int REACHABLE = 1;
    /** The pause-bounded collector's modes: INC_SUBTRACT + its own mode (SUBTRACTING, MARKING, CLOSE). */
    private static final int INC_SUBTRACT = 2;
    private static final int REFERENTS = 5;

    private final Heap heap;
    final long[] gen = new long[NUM_GENERATIONS];
    final long permanent;
    private final long tmpA;
    private final long tmpB;
    private final long tmpC;
    final IncrementalCollector inc;
    /** The root buffer of the low-latency mode (empty in the generational one). */
    final CandidateRoots roots;
    /** {@link CollectionMode#LOW_LATENCY}: automatic collections are young ones and candidate steps. */
    final boolean lowLatency;
    /** Low-latency mode: buffered roots from which an automatic collection also runs a candidate step. */
    int candidateThreshold = 10_000;
    /**
     * On a small heap the automatic candidate steps also start once an eighth of the live objects are
     * buffered roots (never below this many): the demo's small book (~8,000 live objects, and the
     * garbage of its wipes, which is buffered too) stayed under PHP's 10,000 for long stretches while
     * its garbage piled up.
     */
    private static final int MIN_CANDIDATE_THRESHOLD = 1_000;
    /** Low-latency mode: the budget of the candidate step an automatic collection runs. */
    long autoStepNanos = 200_000;

    final int[] threshold = {700, 10, 10};
    final long[] count = new long[NUM_GENERATIONS];
    boolean enabled = true;
    boolean collecting;
    int debug;
    PrintStream debugOut = System.err;
    long longLivedTotal;
    long longLivedPending;

    // statistics per generation
    final long[] collections = new long[NUM_GENERATIONS];
    final long[] collected = new long[NUM_GENERATIONS];
    final long[] uncollectable = new long[NUM_GENERATIONS];
    final long[] candidates = new long[NUM_GENERATIONS];
    final long[] totalPauseNanos = new long[NUM_GENERATIONS];
    final long[] lastPauseNanos = new long[NUM_GENERATIONS];
    final long[] maxPauseNanos = new long[NUM_GENERATIONS];

    /** Every list head the collector owns, raw 16-byte blocks (for verify). */
    final long[] heads;

    Collector(Heap heap, long[] heads) {
        this.heap = heap;
        this.heads = heads.clone();
        for (int i = 0; i < NUM_GENERATIONS; i++) {
            gen[i] = heads[i];
        }
        permanent = heads[3];
        tmpA = heads[4];
        tmpB = heads[5];
        tmpC = heads[6];
        for (long h : heads) {
            listInit(h);
        }
        roots = new CandidateRoots(heap);
        lowLatency = heap.config().collectionMode() == CollectionMode.LOW_LATENCY;
        inc = new IncrementalCollector(heap, this, heads[7], heads[8]);
    }

    // ================================================================== tracking

    /**
     * The low-latency mode buffered a new candidate root: it counts toward threshold 0 as an
     * allocation does (the collection itself waits for the next allocation of a container, as
     * always). Cyclic garbage is made by decrefs as much as by allocations: a program whose
     * allocations and frees balance (an order book at its steady size: an add for each cancel)
     * would otherwise collect, and step, only as often as garbage accumulates by count, which on the
     * demo's small book gave candidate cycles about 200 us per 8,000 events, far too little.
     */
    void countRoot() {
        count[0]++;
    }

    /** Appends a new container to generation 0 and runs a collection when the count crosses threshold 0. */
    void track(long obj) {
        long g = obj - GC_HEAD_SIZE;
        append(g, gen[0]);
        long c = ++count[0];
        if (c > threshold[0] && enabled && threshold[0] != 0 && !collecting) {
            if (lowLatency) {
                collectLowLatency();
            } else {
                collectGenerations();
            }
        }
    }

    /**
     * The low-latency mode's automatic collection, every {@code threshold0} tracked allocations as in
     * CPython: generation 0 (a few hundred recently allocated objects: cheap, and where most cycles
     * die), then, when enough candidate roots wait or a cycle is under way, one candidate step of
     * {@link #autoStepNanos}. Generations 1 and 2 are never collected automatically: candidate cycles
     * find what they would, in bounded steps.
     */
    private void collectLowLatency() {
        collectAutomatically(0);
        if ((inc.active() || inc.fullCycleOwed || roots.size() >= candidateThreshold
                || roots.size() >= Math.max(MIN_CANDIDATE_THRESHOLD, heap.liveObjects() / 8)) && StackGuard.hasHeadroom()) {
            try {
                inc.step(autoStepNanos, true);
            } catch (Throwable t) {
                heap.unraisable("automatic candidate step", t);
            }
        }
    }

    /**
     * An automatic collection runs inside an allocation that has already succeeded: what goes wrong
     * in it (a refcount found too small, a debug stream that throws) goes to the unraisable hook
     * instead of losing the new object. The heap is consistent either way (see {@link #collect}).
     */
    private void collectAutomatically(int generation) {
        try {
            collect(generation, false);
        } catch (Throwable t) {
            heap.unraisable("automatic collection of generation " + generation, t);
        }
    }

    /** A container is being deallocated: off its list, and one fewer allocation in count 0. */
    void untrackForDealloc(long obj) {
        long g = obj - GC_HEAD_SIZE;
        if ((heap.getLong(g + 8) & BUFFERED) != 0) {
            roots.remove(obj); // before the block is freed: a later object at this address is not a root
        }
        long next = heap.getLong(g);
        if (next != 0 && !(IncrementalCollector.inSet(next) && inc.leaveSet(obj))) {
            remove(g);
        }
        if (count[0] > 0) {
            count[0]--;
        }
    }

    boolean isTracked(long obj) {
        return heap.getLong(obj - GC_HEAD_SIZE) != 0;
    }

    boolean isFinalized(long obj) {
        return (heap.getLong(obj - GC_HEAD_SIZE + 8) & FINALIZED) != 0;
    }

    void setFinalized(long obj) {
        long g = obj - GC_HEAD_SIZE;
        heap.putLong(g + 8, heap.getLong(g + 8) | FINALIZED);
    }

    /**
     * CPython's rule: collect the oldest generation whose count passed its threshold; the oldest only
     * when the objects promoted since the last full collection are at least 25% of those that
     * survived it, which keeps full collections linear in the long run.
     */
    private void collectGenerations() {
        for (int i = NUM_GENERATIONS - 1; i >= 0; i--) {
            if (count[i] > threshold[i]) {
                if (i == NUM_GENERATIONS - 1 && (longLivedPending < longLivedTotal / 4 || inc.active())) {
                    continue; // the 25% rule; or a pause-bounded full collection is under way
                }
                collectAutomatically(i);
                break;
            }
        }
    }

    // ================================================================== the main function

    /**
     * This is the main function. Collects {@code generation} and every younger one; returns the
     * number of unreachable objects found (collected + uncollectable). A collection started while
     * one runs (from a finalizer, a weakref callback or a gc callback, "stop" ones included) returns
     * 0 at once, as in CPython.
     *
     * <p>Whatever a phase calls may throw (a debug stream, {@code DEBUG_SAVEALL} on a full heap, a
     * finalizer's hook, a refcount found too small, a fault injected by a test). The exception
     * propagates, and before it does every object of the set is back on a generation list with its
     * flags cleared ({@link #abandon}): nothing is stranded, and the next collection sees it again.
     * With too little stack left to run at all, the collection changes nothing and throws
     * {@link StackOverflowError}.
     */
    long collect(int generation) {
        return collect(generation, true);
    }

    private long collect(int generation, boolean explicit) {
        if (collecting) {
            return 0;
        }
        if (generation == NUM_GENERATIONS - 1 && inc.active()) {
            inc.finish(); // a full collection now: the pause-bounded one under way ends first
        }
        if (!StackGuard.hasHeadroom()) {
            if (explicit) {
                throw new StackOverflowError("too little stack left to collect generation " + generation
                        + " of heap #" + heap.id + "; nothing was changed");
            }
            return 0; // an automatic collection waits for the next allocation
        }
        heap.verifyIfAsked("before a collection of generation", generation);
        collecting = true;
        try {
            return collectHeld(generation);
        } finally {
            collecting = false;
        }
    }

    /** collect() with {@link #collecting} held, so that gc callbacks, "stop" ones too, cannot nest one. */
    private long collectHeld(int generation) {
        long start = System.nanoTime();
        if ((debug & DEBUG_STATS) != 0) {
            debugOut.printf("gc: collecting generation %d...%n", generation);
            debugOut.printf("gc: objects in each generation: %d %d %d%n", size(gen[0]), size(gen[1]), size(gen[2]));
            debugOut.printf("gc: objects in permanent generation: %d%n", size(permanent));
        }
        heap.gcFace().invokeCallbacks("start", generation, 0, 0, 0, 0);
        heap.fault("collect:start");
        if (generation == NUM_GENERATIONS - 1) {
            // Every candidate root buffered so far is decided by this collection (frozen ones aside,
            // which a full collection leaves alone anyway); roots buffered from here on stay.
            roots.clear();
            inc.fullCycleOwed = false;
            inc.candidateWorkSinceFull = 0;
            inc.candidateFoundSinceFull = 0;
        }
        if (generation + 1 < NUM_GENERATIONS) {
            count[generation + 1]++;
        }
        for (int i = 0; i <= generation; i++) {
            count[i] = 0;
        }
        for (int i = 0; i < generation; i++) {
            merge(gen[i], gen[generation]);
        }
        long young = gen[generation];
        long old = generation < NUM_GENERATIONS - 1 ? gen[generation + 1] : young;
        long unreachable = tmpA;
        listInit(unreachable);
        long examined;
        long m;
        try {
            examined = updateRefs(young);
            heap.fault("collect:updateRefs");
            subtractRefs(young);
            if (tooSmall != 0) {
                throw refcountTooSmall(young);
            }
            heap.fault("collect:subtractRefs");
            long nUnreachable = moveUnreachable(young, unreachable);
            heap.fault("collect:moveUnreachable");
            long survivors = examined - nUnreachable;

            if (young != old) {
                if (generation == NUM_GENERATIONS - 2) {
                    longLivedPending += survivors;
                }
                merge(young, old);
            } else {
                longLivedPending = 0;
                longLivedTotal = survivors;
            }
            m = finishGarbage(unreachable, old, nUnreachable);
            heap.fault("collect:finished");
            deleteGarbage(unreachable, old);
        } catch (Throwable t) {
            abandon(young, old);
            throw t;
        }
        if (generation == NUM_GENERATIONS - 1) {
            heap.alloc.trimCaches(); // as CPython clears its free lists in a full collection
        }
        long pause = System.nanoTime() - start;
        collections[generation]++;
        collected[generation] += m;
        candidates[generation] += examined;
        totalPauseNanos[generation] += pause;
        lastPauseNanos[generation] = pause;
        maxPauseNanos[generation] = Math.max(maxPauseNanos[generation], pause);
        if ((debug & DEBUG_STATS) != 0) {
            // CPython's words: "unreachable" counts collected and uncollectable together.
            if (m == 0) {
                debugOut.printf("gc: done, %.4fs elapsed%n", pause / 1e9);
            } else {
                debugOut.printf("gc: done, %d unreachable, 0 uncollectable, %.4fs elapsed%n", m, pause / 1e9);
            }
        }
        heap.gcFace().invokeCallbacks("stop", generation, m, 0, examined, pause);
        heap.verifyIfAsked("after a collection of generation", generation);
        return m;
    }

    /**
     * A phase threw: after this, every object of {@code young} and of the temporary lists is on
     * {@code old} with COLLECTING, UNREACHABLE and gc_refs gone (FINALIZED kept), the callbacks of
     * weakrefs already cleared have run, and nothing else changed. Only gc_next links are
     * trusted (a phase may have left gc_prev holding gc_refs); they are valid at every point where a
     * phase can throw.
     */
    private void abandon(long young, long old) {
        rescue(new long[] {young, tmpA, tmpB, tmpC}, old);
        flushQueued(callbacks);
    }

    /**
     * Puts every object of {@code lists} on {@code old} (which may be one of them) with only its
     * FINALIZED bit kept, walking gc_next links alone (UNREACHABLE marks masked); the lists end empty.
     */
    void rescue(long[] lists, long old) {
        tooSmall = 0; // a finding of the pass that was abandoned, not of the next collection
        Gc.LongList all = new Gc.LongList();
        for (long list : lists) {
            for (long g = heap.getLong(list) & ~UNREACHABLE; g != list; g = heap.getLong(g) & ~UNREACHABLE) {
                all.add(g);
            }
            listInit(list);
        }
        for (int i = 0; i < all.size(); i++) {
            long g = all.get(i);
            heap.putLong(g + 8, heap.getLong(g + 8) & KEPT);
            append(g, old);
        }
    }

    /**
     * A collection was abandoned after clearing some weakrefs: their callbacks still run (a cleared
     * weakref's callback must be called once; the referent is unreachable and the next collection
     * frees it). If that fails too, the references held on the rest are dropped.
     */
    void flushQueued(Gc.LongList queue) {
        try {
            callQueuedCallbacks(queue);
        } catch (Throwable t) {
            dropQueued(queue);
        }
    }

    /** Drops the references held on weakrefs whose callbacks were queued but will not run. */
    void dropQueued(Gc.LongList queue) {
        for (int i = 0; i < queue.size(); i++) {
            if (queue.get(i) == 0) {
                continue;
            }
            try {
                heap.decrefNoCheck(queue.get(i));
            } catch (Throwable ignored) {
                // The weakref is already cleared; what its release runs reports its own failures.
            }
        }
        queue.clear();
    }

    long tmpB() {
        return tmpB;
    }

    long tmpC() {
        return tmpC;
    }

    /** Set by subtractRefs: an object whose gc_refs would go below zero (0 when none). */
    private long tooSmall;

    /**
     * CPython's debug build stops with "refcount is too small" here; refheap throws, after counting
     * the references the object really has from the set, so that the message names both counts.
     */
    private RefcountException refcountTooSmall(long young) {
        Gc.LongList examined = new Gc.LongList();
        for (long g = next(young); g != young; g = next(g)) {
            examined.add(g + GC_HEAD_SIZE);
        }
        return refcountTooSmall(tooSmall, examined, "the collection was abandoned");
    }

    /** The error for {@code obj}, whose count is below the references {@code examined} hold to it. */
    RefcountException refcountTooSmall(long obj, Gc.LongList examined, String outcome) {
        long internal = 0;
        Gc.LongList refs = new Gc.LongList();
        for (int j = 0; j < examined.size(); j++) {
            refs.clear();
            referents(examined.get(j), refs);
            for (int i = 0; i < refs.size(); i++) {
                if (refs.get(i) == obj) {
                    internal++;
                }
            }
        }
        return new RefcountException("refcount is too small: " + heap.describe(obj) + " is referenced " + internal
                + " times by containers the collector examined, more than its count (a decref too many?); "
                + outcome + " and nothing was freed");
    }

    /**
     * The end phases on a list of garbage (each object COLLECTING, no UNREACHABLE mark needed):
     * weakrefs, then, only when a finalizer is pending, finalizers, resurrection and the weakrefs
     * finalizers made. After this {@code garbage} holds what is still garbage, ready for
     * deleteGarbage. Returns the objects found: those freed by weakref callbacks plus what is left.
     */
    long finishGarbage(long garbage, long old, long count) {
        long m = handleWeakrefs(garbage, old);
        return finishPreparedGarbage(garbage, old, count, m, finalizersPending);
    }

    /**
     * finishGarbage after every object went through {@link #prepareGarbage} and the queued callbacks
     * ran ({@code m} of their weakrefs freed): O(1) unless a finalizer is pending.
     */
    long finishPreparedGarbage(long garbage, long old, long count, long m, boolean pending) {
        if (pending) {
            finalizeGarbage(garbage);
            long resurrected = handleResurrected(garbage, tmpB, old);
            clearWeakrefs(tmpB);
            merge(tmpB, garbage);
            // What a finalizer freed was found all the same; only what it resurrected was not garbage.
            count -= resurrected;
        }
        return m + count;
    }

    // ================================================================== phases

    /**
     * After this, every object in {@code containers} has COLLECTING set and gc_refs equal to its
     * reference count (the FINALIZED bit kept). Returns how many objects the list holds.
     */
    private long updateRefs(long containers) {
        long n = 0;
        for (long g = next(containers); g != containers; g = next(g)) {
            long rc = heap.getLong(g + GC_HEAD_SIZE);
            assert rc > 0 : "tracked object " + heap.describe(g + GC_HEAD_SIZE) + " has count " + rc;
            long prev = heap.getLong(g + 8);
            heap.putLong(g + 8, (prev & KEPT) | COLLECTING | (rc << REFS_SHIFT));
            n++;
        }
        return n;
    }

    /**
     * After this, gc_refs is >= 0 for every object in {@code containers}, and is the number of
     * references to it from outside the set: an object with gc_refs > 0 is directly reachable from
     * outside.
     */
    private void subtractRefs(long containers) {
        for (long g = next(containers); g != containers; g = next(g)) {
            traverse(g + GC_HEAD_SIZE, SUBTRACT, 0);
        }
    }

    /**
     * After this, {@code young} holds exactly the objects reachable from outside the set (COLLECTING
     * cleared, doubly linked again, in their order before), and {@code unreachable} the rest, in
     * their order too, each still COLLECTING and marked UNREACHABLE in gc_next. Returns how many are
     * unreachable.
     *
     * <p>Two walks of young's gc_next links, which stay as they were until the second. The first
     * marks: an object with gc_refs > 0 is reachable from outside the set, and so is everything it
     * reaches in the set; each object found reachable loses COLLECTING, and its gc_prev (its gc_refs
     * no longer needed) links it into an explicit stack of objects whose children are still to be
     * visited ({@link #markTop}), so the marking neither recurses nor allocates. The second walk
     * relinks each object into young or unreachable. CPython's move_unreachable instead moves each
     * object with gc_refs = 0 to unreachable at once and moves it back to young's tail when something
     * later in the list reaches it, so on a graph whose references run against the list's order
     * (any graph that was churned) most objects are unlinked twice and scanned out of order; on a
     * churned million-object graph this phase took 350 ms instead of 600 (docs/PERFORMANCE.md).
     */
    private long moveUnreachable(long young, long unreachable) {
        for (long g = next(young); g != young; g = next(g)) {
            long w = heap.getLong(g + 8);
            if ((w & COLLECTING) != 0 && (w >>> REFS_SHIFT) != 0) {
                heap.putLong(g + 8, w & KEPT); // reachable, and the bottom of the stack (link 0)
                markTop = g;
                while (markTop != 0) {
                    long p = markTop;
                    markTop = heap.getLong(p + 8) & ~LINK_FLAGS;
                    traverse(p + GC_HEAD_SIZE, REACHABLE, 0);
                }
            }
        }
        long prev = young;
        long lastUnreachable = prevPtr(unreachable);
        long moved = 0;
        for (long g = next(young); g != young; ) {
            long nextG = heap.getLong(g);
            long w = heap.getLong(g + 8);
            if ((w & COLLECTING) == 0) {
                heap.putLong(prev, g);
                heap.putLong(g + 8, (w & KEPT) | prev);
                prev = g;
            } else {
                heap.putLong(lastUnreachable, UNREACHABLE | g);
                heap.putLong(g + 8, (w & LINK_FLAGS) | lastUnreachable);
                lastUnreachable = g;
                moved++;
            }
            g = nextG;
        }
        heap.putLong(prev, young);
        setPrevPtr(young, prev);
        if (moved != 0) {
            heap.putLong(lastUnreachable, UNREACHABLE | unreachable);
            setPrevPtr(unreachable, lastUnreachable);
            // Appending set UNREACHABLE on the head's own next; that pollution ends here.
            heap.putLong(unreachable, heap.getLong(unreachable) & ~UNREACHABLE);
        }
        return moved;
    }

    /** The top of moveUnreachable's stack of reachable objects still to traverse (0: empty). */
    private long markTop;

    /**
     * After this, no object in {@code unreachable} carries the UNREACHABLE mark; no weak reference to
     * an object of the set is set (weakrefs inside the set are cleared too); the callbacks of cleared
     * weakrefs that are themselves reachable have run (they cannot reach an unreachable object: every
     * path to one was a weakref, now cleared); and {@link #finalizersPending} tells whether some
     * object of the set still has a finalizer to run. Returns how many of those weakrefs the callbacks
     * freed. (CPython strips the mark in move_legacy_finalizers; with no legacy finalizers here that
     * pass would do nothing else, so it is folded in here.)
     */
    private long handleWeakrefs(long unreachable, long old) {
        callbacks.clear();
        boolean pending = false;
        for (long g = next(unreachable); g != unreachable; ) {
            long nextWord = heap.getLong(g) & ~UNREACHABLE;
            heap.putLong(g, nextWord);
            pending |= prepareGarbage(g + GC_HEAD_SIZE, callbacks);
            g = nextWord;
        }
        finalizersPending = pending;
        return callQueuedCallbacks(callbacks);
    }

    /** Weakrefs whose callbacks wait for the end of handleWeakrefs (each holding a reference). */
    private final Gc.LongList callbacks = new Gc.LongList();

    /**
     * handleWeakrefs for one garbage object (COLLECTING set): clears every weakref to it (and it, if
     * it is a weakref), adds those weakrefs that have a callback and are not garbage themselves to
     * {@code queue} with a reference held, and returns whether the object has a finalizer still to
     * run. The weakrefs stay on whatever list they are (CPython moves them to a list of its own; a
     * Java array works for the pause-bounded collector too, whose set is no list). No callback runs
     * here: all weakrefs to the garbage must be cleared before any callback can run. The pause-bounded
     * collector calls it object by object as it sweeps, with a queue of its own.
     */
    boolean prepareGarbage(long obj, Gc.LongList queue) {
        WeakRefs wrs = heap.weakRefs();
        long g = obj - GC_HEAD_SIZE;
        long type = heap.getLong(obj + TYPE);
        int flags = heap.getInt(type + TP_FLAGS);
        boolean pending = (flags & FLAG_HAVE_FINALIZER) != 0 && (heap.getLong(g + 8) & FINALIZED) == 0;
        if ((debug & DEBUG_COLLECTABLE) != 0) {
            // CPython's debug_cycle: "gc: collectable <TypeName 0x7f...>"
            debugOut.println("gc: collectable <" + heap.typeName(type) + " 0x" + Long.toHexString(obj) + ">");
        }
        if ((heap.typeInfo(type) & Heap.SLOT_KIND) == KIND_WEAKREF) {
            wrs.clearRef(obj);
        }
        long wlo = heap.getLong(type + TP_WEAKLISTOFFSET);
        if (wlo == 0) {
            return pending;
        }
        for (long wr = heap.getLong(obj + wlo); wr != 0; wr = heap.getLong(obj + wlo)) {
            wrs.clearRef(wr);
            if (heap.getLong(wr + WR_CALLBACK) == 0) {
                continue;
            }
            if (isGarbage(wr)) {
                continue; // the weakref is garbage too: its callback must not run (CPython: never)
            }
            heap.increfNoCheck(wr);
            queue.add(wr);
        }
        return pending;
    }

    /**
     * Whether container {@code obj} belongs to the garbage being collected now: in the set of a
     * stop-the-world collection past moveUnreachable (COLLECTING), swept into the pause-bounded
     * collector's garbage (CONDEMNED), or left unmarked in its set once marking is complete.
     */
    boolean isGarbage(long obj) {
        long g = obj - GC_HEAD_SIZE;
        return (heap.getLong(g + 8) & (COLLECTING | CONDEMNED)) != 0 && !IncrementalCollector.inSet(heap.getLong(g))
                || inc.isCondemned(obj);
    }

    /** Runs the callbacks of the weakrefs queued; returns how many of those weakrefs they freed. */
    long callQueuedCallbacks(Gc.LongList queue) {
        WeakRefs wrs = heap.weakRefs();
        long freed = 0;
        for (int i = 0; i < queue.size(); i++) {
            long wr = queue.get(i);
            queue.set(i, 0); // handled: should anything below throw, dropQueued must not drop it again
            wrs.invokeCallback(wr);
            if (heap.getLong(wr) == 1) {
                freed++; // the callback dropped every other reference: ours is the last
            }
            heap.decrefNoCheck(wr);
        }
        queue.clear();
        return freed;
    }

    /** Set by handleWeakrefs: an unreachable object has a finalizer that has not run. */
    private boolean finalizersPending;

    /**
     * After this, every object in {@code collectable} whose type has a finalizer has had it called
     * exactly once in its life (FINALIZED set). Finalizers may free objects of the set or resurrect
     * them; the list is walked by always taking its first element.
     */
    private void finalizeGarbage(long collectable) {
        long seen = tmpC;
        listInit(seen);
        while (next(collectable) != collectable) {
            long g = next(collectable);
            long obj = g + GC_HEAD_SIZE;
            move(g, seen);
            long type = heap.getLong(obj + TYPE);
            if ((heap.getInt(type + TP_FLAGS) & FLAG_HAVE_FINALIZER) != 0 && (heap.getLong(g + 8) & FINALIZED) == 0) {
                heap.putLong(g + 8, heap.getLong(g + 8) | FINALIZED);
                heap.increfNoCheck(obj);
                boolean dropped = heap.runFinalizerHeld(obj, type);
                releaseFinalized(obj, dropped, seen, collectable);
            }
        }
        merge(seen, collectable);
    }

    /**
     * Drops the reference finalizeGarbage held on {@code obj} while its finalizer ran. When that
     * reference is all its count has left, the finalizer dropped references: legitimately when it
     * removed every reference to the object (then it is freed now, and leaves the set), but when an
     * object of the set still holds one, the finalizer dropped a reference it did not own (the
     * borrowed one it was called with, say). Freeing it then would leave that reference dangling;
     * instead the count stays at 1, the reference the set holds, and the misuse is reported (once:
     * {@code dropped} says the dealloc path already did, when the count reached zero inside).
     */
    private void releaseFinalized(long obj, boolean dropped, long seen, long rest) {
        if (heap.getLong(obj) != 1 || !referencedFrom(obj, seen) && !referencedFrom(obj, rest)) {
            heap.decrefNoCheck(obj);
            return;
        }
        if (!dropped) {
            heap.unraisable("finalizer of " + heap.describe(obj), new RefcountException("the finalizer of "
                    + heap.describe(obj) + " dropped a reference it did not own (the one it was called with is"
                    + " borrowed); the object is kept for the references the collected objects still hold"));
        }
    }

    private final Gc.LongList scratchRefs = new Gc.LongList();

    /** Whether an object of {@code list} references {@code obj} (a rare check: O(list)). */
    private boolean referencedFrom(long obj, long list) {
        for (long g = next(list); g != list; g = next(g)) {
            scratchRefs.clear();
            referents(g + GC_HEAD_SIZE, scratchRefs);
            for (int i = 0; i < scratchRefs.size(); i++) {
                if (scratchRefs.get(i) == obj) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * After this, {@code stillUnreachable} holds the objects of {@code unreachable} that are still
     * unreachable after the finalizers ran, and every object a finalizer resurrected (and all it
     * reaches) has moved to {@code old}: only what was resurrected is spared. Returns how many were.
     */
    private long handleResurrected(long unreachable, long stillUnreachable, long old) {
        for (long g = next(unreachable); g != unreachable; g = next(g)) {
            heap.putLong(g + 8, heap.getLong(g + 8) & ~COLLECTING);
        }
        listInit(stillUnreachable);
        updateRefs(unreachable);
        subtractRefs(unreachable);
        if (tooSmall != 0) {
            throw refcountTooSmall(unreachable); // a finalizer dropped references it did not own
        }
        moveUnreachable(unreachable, stillUnreachable);
        clearUnreachableMask(stillUnreachable);
        long resurrected = size(unreachable);
        merge(unreachable, old);
        return resurrected;
    }

    /**
     * After this, no weakref points at an object of {@code collectable} (finalizers may have made new
     * ones): nobody can see an object whose references are about to be cleared.
     */
    private void clearWeakrefs(long collectable) {
        WeakRefs wrs = heap.weakRefs();
        for (long g = next(collectable); g != collectable; g = next(g)) {
            long obj = g + GC_HEAD_SIZE;
            long type = heap.getLong(obj + TYPE);
            if (heap.getInt(type + TP_KIND) == KIND_WEAKREF) {
                wrs.clearRef(obj);
            }
            long wlo = heap.getLong(type + TP_WEAKLISTOFFSET);
            if (wlo != 0) {
                for (long wr = heap.getLong(obj + wlo); wr != 0; wr = heap.getLong(obj + wlo)) {
                    wrs.clearRef(wr);
                }
            }
        }
    }

    /**
     * After this, {@code collectable} is empty: each object's references were cleared (tp_clear),
     * which breaks the cycles so that reference counting frees them; an object that survives its
     * clear (something outside still held it) moves to {@code old}. With DEBUG_SAVEALL the objects
     * go to {@code garbage} instead and nothing is cleared.
     */
    private void deleteGarbage(long collectable, long old) {
        deleteSome(collectable, old, Long.MAX_VALUE, false);
    }

    /**
     * deleteGarbage for at most {@code max} objects; returns how many it took from the list. Survivors
     * go to {@code old}, CONDEMNED kept if {@code keepCondemned}.
     */
    long deleteSome(long collectable, long old, long max, boolean keepCondemned) {
        long done = 0;
        while (done < max && next(collectable) != collectable) {
            done++;
            long g = next(collectable);
            long obj = g + GC_HEAD_SIZE;
            if ((debug & DEBUG_SAVEALL) != 0) {
                heap.gcFace().saveGarbage(obj);
            } else {
                heap.increfNoCheck(obj);
                roots.clearingGarbage = true; // dropping what garbage holds makes no new garbage
                try {
                    heap.clearReferences(obj);
                } finally {
                    heap.decrefNoCheck(obj);
                    roots.clearingGarbage = false;
                }
            }
            if (next(collectable) == g) {
                // It survived its clear: something outside still holds it. Between pause-bounded
                // steps it stays condemned (only other garbage can hold it) until the cycle ends.
                heap.putLong(g + 8, heap.getLong(g + 8) & ~(keepCondemned ? COLLECTING : COLLECTING | CONDEMNED));
                move(g, old);
            }
        }
        return done;
    }

    /** After this, no object in {@code list} has the UNREACHABLE mark in gc_next. */
    private void clearUnreachableMask(long list) {
        for (long g = next(list); g != list; g = heap.getLong(g)) {
            heap.putLong(g, heap.getLong(g) & ~UNREACHABLE);
        }
    }

    // ================================================================== traversal

    /** Visits every container {@code obj} references that is in the collecting set. */
    private void traverse(long obj, int mode, long arg) {
        traverseSlots(obj, 0, Long.MAX_VALUE, mode, arg);
    }

    /** How many child slots {@link #traverseRange} walks for {@code obj}. */
    long childSlots(long obj) {
        long type = heap.getLong(obj + TYPE);
        return switch (heap.typeInfo(type) & Heap.SLOT_KIND) {
            case KIND_STRUCT -> heap.getInt(type + TP_NREFS);
            case KIND_TUPLE -> heap.getLong(obj + TUPLE_SIZE);
            case KIND_LIST -> heap.getLong(obj + LIST_SIZE);
            case KIND_DICT -> heap.dicts().slotCount(obj);
            default -> 0;
        };
    }

    /** The incremental collector's traversal: each container child in slots [from, to) of {@code obj} goes to it. */
    void traverseRange(long obj, long from, long to, int incMode) {
        traverseSlots(obj, from, to, INC_SUBTRACT + incMode, 0);
    }

    /** Every object {@code obj} references directly, atoms included ({@code gc.get_referents}). */
    void referents(long obj, Gc.LongList out) {
        referentsOut = out;
        traverseSlots(obj, 0, Long.MAX_VALUE, REFERENTS, 0);
        referentsOut = null;
    }

    private Gc.LongList referentsOut;

    /**
     * The type's {@code tp_traverse}: struct reference fields, tuple and list items, dict keys and
     * values, over the child slots [from, to) (a dict's slots are its entries in order, both pairs
     * of blocks while a rebuild migrates them: {@link Dicts#slotCount}), each handed to
     * {@link #visit} with the mode.
     */
    private void traverseSlots(long obj, long from, long to, int mode, long arg) {
        long type = heap.getLong(obj + TYPE);
        switch (heap.typeInfo(type) & Heap.SLOT_KIND) {
            case KIND_STRUCT -> {
                long n = Math.min(to, heap.getInt(type + TP_NREFS));
                for (long i = from; i < n; i++) {
                    long child = heap.getLong(obj + heap.getLong(type + TP_REFOFFS + 8 * i));
                    if (child != 0) {
                        visit(child, mode, arg);
                    }
                }
            }
            case KIND_TUPLE -> {
                long n = Math.min(to, heap.getLong(obj + TUPLE_SIZE));
                for (long i = from; i < n; i++) {
                    visit(heap.getLong(obj + TUPLE_ITEMS + 8 * i), mode, arg);
                }
            }
            case KIND_LIST -> {
                long n = Math.min(to, heap.getLong(obj + LIST_SIZE));
                long items = heap.getLong(obj + LIST_ITEMS);
                for (long i = from; i < n; i++) {
                    visit(heap.getLong(items + 8 * i), mode, arg);
                }
            }
            case KIND_DICT -> traverseDict(obj, from, to, mode, arg);
            default -> {
            }
        }
    }

    /** traverseSlots for a dict, out of line so that the other kinds' loops inline into each phase. */
    private void traverseDict(long obj, long from, long to, int mode, long arg) {
        Dicts dicts = heap.dicts();
        long n = Math.min(to, dicts.slotCount(obj));
        for (long i = from; i < n; i++) {
            long e = dicts.entryAt(obj, i);
            if (e != 0) {
                visit(dicts.entryKey(e), mode, arg);
                visit(heap.getLong(e + ENTRY_VALUE), mode, arg);
            }
        }
    }

    private void visit(long child, int mode, long arg) {
        if (mode == REFERENTS) {
            referentsOut.add(child);
            return;
        }
        if ((heap.typeInfo(heap.getLong(child + TYPE)) & Heap.SLOT_GC) == 0) {
            return;
        }
        if (mode >= INC_SUBTRACT) {
            inc.visitChild(child, mode - INC_SUBTRACT);
            return;
        }
        long g = child - GC_HEAD_SIZE;
        long prevWord = heap.getLong(g + 8);
        if ((prevWord & COLLECTING) == 0) {
            return;
        }
        if (mode == SUBTRACT) {
            if ((prevWord >>> REFS_SHIFT) == 0) {
                // More references from the set than its count: it would wrap and look reachable.
                if (tooSmall == 0) {
                    tooSmall = child;
                }
                return;
            }
            heap.putLong(g + 8, prevWord - (1L << REFS_SHIFT));
        } else {
            // Reachable: out of the set, onto the stack (moveUnreachable).
            heap.putLong(g + 8, (prevWord & KEPT) | markTop);
            markTop = g;
        }
    }

    // ================================================================== list primitives

    long next(long g) {
        return heap.getLong(g);
    }

    private long prevPtr(long g) {
        return heap.getLong(g + 8) & ~LINK_FLAGS;
    }

    private void setPrevPtr(long g, long p) {
        heap.putLong(g + 8, (heap.getLong(g + 8) & LINK_FLAGS) | p);
    }

    void listInit(long head) {
        heap.putLong(head, head);
        heap.putLong(head + 8, head);
    }

    /** Unlinks {@code g} from its list (the list stays consistent; g's own words are left as they are). */
    void unlink(long g) {
        long p = prevPtr(g);
        long n = heap.getLong(g);
        heap.putLong(p, n);
        setPrevPtr(n, p);
    }

    /** Appends {@code g}, whose words hold nothing of value, to {@code list}. */
    void appendTo(long g, long list) {
        append(g, list);
    }

    private void append(long g, long list) {
        long last = prevPtr(list);
        setPrevPtr(g, last);
        heap.putLong(last, g);
        heap.putLong(g, list);
        setPrevPtr(list, g);
    }

    private void remove(long g) {
        long p = prevPtr(g);
        long n = heap.getLong(g);
        heap.putLong(p, n);
        setPrevPtr(n, p);
        heap.putLong(g, 0);
    }

    void move(long g, long list) {
        long p = prevPtr(g);
        long n = heap.getLong(g);
        heap.putLong(p, n);
        setPrevPtr(n, p);
        append(g, list);
    }

    void merge(long from, long to) {
        long first = heap.getLong(from);
        if (first == from) {
            return;
        }
        long last = prevPtr(from);
        long toLast = prevPtr(to);
        heap.putLong(toLast, first);
        setPrevPtr(first, toLast);
        heap.putLong(last, to);
        setPrevPtr(to, last);
        listInit(from);
    }

    long size(long list) {
        long n = 0;
        for (long g = next(list); g != list; g = next(g)) {
            n++;
        }
        return n;
    }
}
