package org.refheap;

import static org.refheap.layout.ObjectLayout.GC_HEAD_SIZE;
import static org.refheap.layout.ObjectLayout.TYPE;

/**
 * The pause-bounded full collection (beyond CPython): CPython's trial deletion, cut into steps that
 * each do at most a budget of work and return, while the program goes on mutating the heap between
 * steps. Every reference the program creates or drops goes through refheap, so a barrier keeps the
 * steps correct.
 *
 * <h2>The cycle</h2>
 * <ol>
 * <li><b>snapshot</b>: the three generations are detached into a private chain at the first step;
 *     each step moves objects from the chain into the <em>set</em>, a Java array, recording
 *     {@code gc_refs = refcount}. In the set an object's GC head is re-purposed:
 *     <pre>
 *  gc_next  (index in the set &lt;&lt; 4) | TAG      TAG = 2 tells "in the incremental set"
 *  gc_prev  (gc_refs &lt;&lt; 4) | BUFFERED 8 | REACHABLE 4 | FINALIZED 1   (COLLECTING, bit 1, stays
 *                                     clear, so a young collection meanwhile ignores set objects)
 *     </pre></li>
 * <li><b>subtract</b>: for each object of the set, {@code gc_refs -= 1} on every set object it
 *     references (subtract_refs). A candidate cycle subtracts while it closes over its roots, and
 *     goes from the snapshot straight to the mark.</li>
 * <li><b>mark</b>: every object with {@code gc_refs > 0} is reachable from outside; it and all it
 *     reaches in the set are marked REACHABLE (an explicit stack of set indices, no recursion).</li>
 * <li><b>sweep</b>: marked objects go back to generation 2 as ordinary GC heads; the rest are
 *     garbage: the weakrefs to each are cleared as it is swept (their callbacks queued), and it goes to
 *     a list. At the end of the sweep the queued callbacks run; only when a finalizer is pending do
 *     CPython's finalizer and resurrection phases run, in one go, over the garbage.</li>
 * <li><b>delete</b>: each step clears the references of some garbage (tp_clear), which lets
 *     reference counting free it.</li>
 * </ol>
 *
 * <h2>Why it stays correct while the program runs</h2>
 * The barrier ({@link #touch}) is called on every incref of a container, and when a list hands a
 * reference to the caller without changing the count ({@code pop}): a touched object of the set is
 * marked REACHABLE at once (and pushed for marking). Those are the only two ways a reference to an
 * object can appear where there was none. Dropping a reference (a decref) can only make an object
 * less reachable, so it needs no barrier: a stale, too high gc_refs only keeps an object one cycle
 * longer. So for an object judged garbage: no reference to it was created during the cycle; its
 * gc_refs, the snapshot count minus the references from the set seen since, can only overstate the
 * references it had from outside the set at the snapshot, and it is 0; and no reachable object
 * reached it. It was garbage at the snapshot, and garbage stays garbage. Whatever became garbage during the cycle (touched, so kept) is floating
 * garbage for the next cycle; objects allocated during the cycle are not in the set (they go to
 * generation 0, where young collections go on as usual). An object of the set that dies by its count
 * during the cycle just leaves an empty slot.
 */
final class IncrementalCollector {
    static final long TAG = 2;
    static final long REACHABLE = 4;
    private static final int SHIFT = 4;
    private static final long ONE_REF = 1L << SHIFT;
    /** Objects processed between two looks at the clock. */
    private static final int CLOCK_STRIDE = 32;
    /** Garbage objects cleared between two looks at the clock (each may free others by count). */
    private static final int DELETE_STRIDE = 4;

    static final int IDLE = 0;
    static final int SNAPSHOT = 1;
    static final int SUBTRACT = 2;
    static final int MARK = 3;
    static final int SWEEP = 4;
    static final int DELETE = 5;
    private static final String[] PHASES = {"idle", "snapshot", "subtract", "mark", "sweep", "delete"};

    private final Heap heap;
    private final Collector gc;
    private final long chain;
    private final long garbage;
    /** Weakrefs whose callbacks wait for the end of the sweep (a reference held on each). */
    private final Gc.LongList queue = new Gc.LongList();
    private boolean finalizersPending;

    int phase = IDLE;
    private final Chunks.Longs objs = new Chunks.Longs();
    private int n;
    private int cursor;
    private final Chunks.Ints stack = new Chunks.Ints();
    private int sp;
    private long survivors;
    private long found;
    private long cycleExamined;
    private long cycleNanos;

    /**
     * The scope of the cycle under way (or the last one): the closure of candidate roots (true), or
     * every tracked object (a full cycle).
     */
    boolean candidateCycle;
    /** The most objects a candidate cycle's set may hold; the closure stops there. */
    int closureLimit = 100_000;
    /**
     * The limit of the cycle under way: {@link #closureLimit}, but at most half the live objects
     * (never below {@link #MIN_CLOSURE}). A candidate cycle whose set would hold a good part of the
     * heap costs what a full cycle costs, and on a small heap full of candidate roots (the demo's
     * small book: ~4,000 live orders, whose wipes leave tens of thousands of buffered roots behind
     * when collection lags) a set of 100,000 never completed within the steps an allocation-triggered
     * mode gives it: the garbage waited for ever. Cut at half the heap, the cycle completes; a root
     * left undecided owes a full cycle, which costs the heap once.
     */
    private int cycleLimit = Integer.MAX_VALUE;
    private static final int MIN_CLOSURE = 1_000;
    /** The candidate cycle under way refused an object to its set: the root it was closing is undecided. */
    private boolean truncated;
    /** The set index of the last root taken by the candidate cycle under way (-1: none). */
    private int lastRootIdx = -1;
    /** The set index of the first root taken by the candidate cycle under way (-1: none). */
    private int firstRootIdx = -1;
    /**
     * A candidate root was left undecided (its closure outgrew {@link #closureLimit} and it
     * survived): the low-latency mode's next cycle is a full one, which decides it.
     */
    boolean fullCycleOwed;
    /**
     * Live objects examined by candidate cycles (examined less garbage found) since the last full
     * cycle began. Where most candidate roots are live and their closures overlap (every event of an
     * order book decrefs a few orders of one price level, whose closure is the level), candidate
     * cycles can examine the heap many times over between two garbage finds; PHP met the same (its
     * collector grew an adaptive threshold in 7.3). So once candidate cycles have examined as many
     * live objects as the heap holds, and found less garbage per object examined than the last full
     * cycle did ({@link #lastFullYield}), the next cycle is a full one: it decides every root
     * buffered so far (its snapshot takes them out of the buffer) at the cost of one look at each
     * object. The low-latency mode thus never spends much more than twice what back-to-back full
     * cycles would unless its candidates pay for themselves; where they find mostly garbage, it
     * never runs a full cycle.
     */
    long candidateWorkSinceFull;
    /** Garbage candidate cycles found since the last full cycle began. */
    long candidateFoundSinceFull;
    /**
     * Garbage found per object examined by the last full pause-bounded cycle (1 before any): a full
     * cycle is owed for cost only while candidate cycles find less per object examined. Candidate
     * cycles that keep up (the order book at 1M live orders with 2 ms per gap: 6% of what they
     * examine is garbage, where a full cycle finds 1-3%) are left alone after the first full cycle
     * has shown that; a full cycle meanwhile only lets garbage wait longer.
     */
    double lastFullYield = 1;
    /** Below this many objects examined, candidate cycles never owe a full cycle for their cost. */
    private static final long MIN_FULL_CYCLE_WORK = 10_000;

    /** Figures of the candidate cycles (the fields below are the full cycles'). */
    final CycleFigures candidates = new CycleFigures();
    long rootsTaken;
    long undecidedRoots;

    // statistics of full cycles
    long cycles;
    long steps;
    long collected;
    long examined;
    long lastStepNanos;
    long maxStepNanos;
    long totalNanos;

    IncrementalCollector(Heap heap, Collector gc, long chainHead, long garbageHead) {
        this.heap = heap;
        this.gc = gc;
        this.chain = chainHead;
        this.garbage = garbageHead;
    }

    boolean active() {
        return phase != IDLE;
    }

    String phaseName() {
        return PHASES[phase];
    }

    /**
     * One step: at most {@code budget} nanoseconds (when {@code byTime}) or {@code budget} objects of
     * work, and at least one object of progress. Returns true when the step completed a cycle.
     */
    boolean step(long budget, boolean byTime) {
        return step(budget, byTime, gc.lowLatency ? SCOPE_AUTO : SCOPE_FULL);
    }

    /** What a cycle that begins in a step examines: every tracked object. */
    static final int SCOPE_FULL = 0;
    /** The low-latency mode's choice: a full cycle when one is owed, else the candidates' closure. */
    static final int SCOPE_AUTO = 1;
    /** The candidates' closure only. */
    static final int SCOPE_CANDIDATES = 2;

    /**
     * One step as {@link #step(long, boolean)}, where a cycle that begins here has {@code scope}.
     * With a candidate scope and nothing to do (no cycle under way, no root buffered, and for
     * SCOPE_AUTO no full cycle owed) returns true at once.
     */
    boolean step(long budget, boolean byTime, int scope) {
        if (gc.collecting) {
            return false; // from a finalizer or callback of a collection under way
        }
        boolean candidateScope = scope == SCOPE_CANDIDATES || scope == SCOPE_AUTO && !fullCycleOwed;
        if (phase == IDLE && scope != SCOPE_FULL && candidateScope && gc.roots.size() == 0) {
            return true;
        }
        if (!StackGuard.hasHeadroom()) {
            throw new StackOverflowError("too little stack left for a pause-bounded step on heap #" + heap.id
                    + "; nothing was changed");
        }
        long start = System.nanoTime();
        boolean done = false;
        gc.collecting = true;
        heap.setCondemnedVisible(false); // inside the step the collector's own code reaches garbage
        try {
            try {
                done = work(start, budget, byTime, candidateScope);
            } catch (Throwable t) {
                abort();
                throw t;
            }
            long pause = System.nanoTime() - start;
            cycleNanos += pause;
            if (candidateCycle) {
                candidates.step(pause);
                observeCandidateStep(done, pause);
            } else {
                steps++;
                lastStepNanos = pause;
                maxStepNanos = Math.max(maxStepNanos, pause);
                totalNanos += pause;
                heap.observeStep(PHASES[phase], done, pause, found, examined);
            }
            if (done) {
                // For the cycle as a whole: objects it examined, and the sum of its steps' pauses.
                heap.gcFace().invokeCallbacks("stop", 2, found, 0, cycleExamined, cycleNanos);
            }
        } finally {
            gc.collecting = false;
            heap.setCondemnedVisible(phase >= SWEEP);
        }
        if (done) {
            heap.verifyIfAsked("after a pause-bounded cycle", -1);
        }
        return done;
    }

    /** The step's loop: at least one unit of progress, then until the budget is spent or the cycle done. */
    private boolean work(long start, long budget, boolean byTime, boolean candidateScope) {
        // Elapsed time against the budget, never a deadline: start + budget can overflow.
        long work = byTime ? Long.MAX_VALUE : Math.max(1, budget);
        boolean done = false;
        if (phase == IDLE) {
            begin(candidateScope);
        }
        long units = 0;
        while (!done && units < work) {
            long before = units;
            heap.fault(FAULT_POINTS[phase]);
            switch (phase) {
                case SNAPSHOT -> {
                    units += candidateCycle ? closure(Math.min(work - units, CLOCK_STRIDE))
                            : snapshot(Math.min(work - units, CLOCK_STRIDE));
                    if (tooSmall != 0) {
                        throw refcountTooSmall();
                    }
                }
                case SUBTRACT -> {
                    units += subtract(Math.min(work - units, CLOCK_STRIDE));
                    if (tooSmall != 0) {
                        throw refcountTooSmall();
                    }
                }
                case MARK -> units += mark(Math.min(work - units, CLOCK_STRIDE));
                case SWEEP -> units += sweep(Math.min(work - units, CLOCK_STRIDE));
                case DELETE -> {
                    // Clearing one object may free many by count (a ring goes all at once): a few
                    // objects per look at the clock, and every object freed counts as a unit.
                    long live = heap.liveObjects();
                    long cleared = delete(Math.min(work - units, DELETE_STRIDE));
                    units += Math.max(cleared, live - heap.liveObjects());
                    done = phase == IDLE;
                }
                default -> throw new AssertionError("phase " + phase);
            }
            if (units == before) {
                units++; // a phase change counts as work, so that a step always ends
            }
            if (byTime && System.nanoTime() - start >= budget) {
                break;
            }
        }
        return done;
    }

    private static final String[] FAULT_POINTS = {"step:idle", "step:snapshot", "step:subtract", "step:mark",
            "step:sweep", "step:delete"};

    /**
     * A step threw: after this no cycle is under way, every object of the set, the chain and the
     * garbage is back in generation 2 with its flags cleared (FINALIZED kept), and the callbacks of
     * weakrefs already cleared have run. Garbage found so far is found again by the next
     * cycle; what was already deleted stays deleted.
     */
    void abort() {
        long old = gc.gen[Collector.NUM_GENERATIONS - 1];
        long[] lists = {chain, garbage, gc.tmpB(), gc.tmpC()};
        if (!candidateCycle) {
            // The roots the snapshot took out of the buffer are decided by no one now, nor a root a
            // candidate cycle left undecided: the full cycle is owed still.
            fullCycleOwed |= gc.lowLatency;
            for (int i = 0; i < joinedRoots.size(); i++) {
                long obj = objs.get(joinedRoots.get(i));
                if (obj != 0) {
                    gc.roots.rebuffer(obj);
                }
            }
        } else {
            // The roots this cycle took would be lost with it: everything it held is buffered again
            // (a superset of its roots), so that the next candidate cycle finds the same garbage.
            for (int i = 0; i < n; i++) {
                if (objs.get(i) != 0) {
                    gc.roots.rebuffer(objs.get(i));
                }
            }
            for (long list : lists) {
                for (long g = heap.getLong(list) & ~1L; g != list; g = heap.getLong(g) & ~1L) {
                    gc.roots.rebuffer(g + GC_HEAD_SIZE);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            long obj = objs.get(i);
            if (obj != 0) {
                objs.set(i, 0);
                long g = obj - GC_HEAD_SIZE;
                heap.putLong(g, 0);
                heap.putLong(g + 8, heap.getLong(g + 8) & Collector.KEPT);
                gc.appendTo(g, old);
            }
        }
        gc.rescue(lists, old);
        n = 0;
        cursor = 0;
        sp = 0;
        cur = 0;
        tooSmall = 0;
        truncated = false;
        joinedRoots.clear();
        rebufferCursor = -1;
        lastRootIdx = -1;
        firstRootIdx = -1;
        phase = IDLE;
        heap.barrier = false;
        gc.flushQueued(queue); // user code last, with the collector idle again
    }

    /** Set by the subtract phase: an untouched object whose gc_refs would go below zero (0: none). */
    private long tooSmall;

    private RefcountException refcountTooSmall() {
        Gc.LongList examined = new Gc.LongList();
        for (int i = 0; i < n; i++) {
            if (objs.get(i) != 0) {
                examined.add(objs.get(i));
            }
        }
        return gc.refcountTooSmall(tooSmall, examined, "the pause-bounded cycle was abandoned");
    }

    /**
     * Whether {@code obj} (a live container) is garbage of the cycle under way: marking is complete and
     * it was left unmarked in the set, or it was swept onto the garbage list. Nothing the program holds
     * can reach such an object; the heap refuses its address between steps, and weakrefs to it read as
     * dead, so that it is never seen again before it is freed.
     */
    boolean isCondemned(long obj) {
        if (phase < SWEEP || !heap.isContainerType(heap.getLong(obj + TYPE))) {
            return false; // atoms have no GC head to read: only containers are ever in the set
        }
        long g = obj - GC_HEAD_SIZE;
        long next = heap.getLong(g);
        if ((next & TAG) != 0) {
            return (heap.getLong(g + 8) & REACHABLE) == 0;
        }
        return next != 0 && (heap.getLong(g + 8) & Collector.CONDEMNED) != 0;
    }

    /**
     * Runs candidate cycles, unbounded, until no root is buffered (or a collection is under way):
     * the stop-the-world face of the candidate collector. A cycle under way is finished first. The
     * closure is not limited here: the roots' closures overlap (they often lead into the same live
     * graph), so one cycle over all of them costs at most a full collection, where cycles cut at the
     * limit would walk the shared part again and again; and nothing is left undecided. Returns the
     * garbage found by the cycles it ran.
     */
    long drainCandidates() {
        finish();
        long before = candidates.collected + collected;
        int limit = closureLimit;
        closureLimit = Integer.MAX_VALUE;
        try {
            while (gc.roots.size() > 0 && !gc.collecting) {
                step(Long.MAX_VALUE, false, SCOPE_CANDIDATES);
            }
        } finally {
            closureLimit = limit;
        }
        return candidates.collected + collected - before;
    }

    /** Runs the cycle in progress to its end, unbounded (not from inside a collection). */
    void finish() {
        while (active() && !gc.collecting) {
            step(Long.MAX_VALUE, false);
        }
    }

    // ------------------------------------------------------------------ phases

    private void begin(boolean candidateScope) {
        heap.gcFace().invokeCallbacks("start", 2, 0, 0, 0, 0);
        candidateCycle = candidateScope && gc.roots.size() > 0;
        if (candidateCycle) {
            cycleLimit = closureLimit == Integer.MAX_VALUE ? closureLimit
                    : (int) Math.min(closureLimit, Math.max(MIN_CLOSURE, heap.liveObjects() / 2));
            gc.roots.startTaking();
        } else {
            fullCycleOwed = false; // a full cycle decides every root left undecided before it
            candidateWorkSinceFull = 0;
            candidateFoundSinceFull = 0;
            for (int i = 0; i < Collector.NUM_GENERATIONS; i++) {
                gc.merge(gc.gen[i], chain);
                gc.count[i] = 0;
            }
        }
        truncated = false;
        lastRootIdx = -1;
        firstRootIdx = -1;
        joinedRoots.clear();
        rebufferCursor = -1;
        n = 0;
        cursor = 0;
        sp = 0;
        cur = 0;
        survivors = 0;
        found = 0;
        cycleNanos = 0;
        queue.clear();
        finalizersPending = false;
        phase = SNAPSHOT;
        heap.barrier = true;
    }

    /** After the phase: every object of the chain is in the set with gc_refs = its count then. */
    private long snapshot(long max) {
        long done = 0;
        while (done < max) {
            long g = gc.next(chain);
            if (g == chain) {
                phase = SUBTRACT;
                cursor = 0;
                return done;
            }
            gc.unlink(g);
            addToSet(g + GC_HEAD_SIZE);
            done++;
        }
        return done;
    }

    /** {@code obj}, unlinked from its list, joins the set with gc_refs = its count now. */
    private void addToSet(long obj) {
        long g = obj - GC_HEAD_SIZE;
        objs.ensure(n);
        int idx = n++;
        objs.set(idx, obj);
        long prev = heap.getLong(g + 8);
        if ((prev & Collector.BUFFERED) != 0) {
            // Decided by this cycle, candidate or full: see CandidateRoots.joined. (Only the
            // low-latency mode buffers roots.)
            gc.roots.joined(obj);
            joinedRoots.add(idx);
        }
        heap.putLong(g, ((long) idx << SHIFT) | TAG);
        long rc = heap.getLong(obj);
        heap.putLong(g + 8, (heap.getLong(g + 8) & Collector.KEPT) | (rc << SHIFT));
    }

    /** Where the closure, cut, is in giving {@link #joinedRoots} back to the buffer (-1: not started). */
    private int rebufferCursor = -1;

    /** Set indices of the buffered roots that joined the cycle under way (by closure, or a full cycle's snapshot). */
    private final IntList joinedRoots = new IntList();

    /**
     * The snapshot of a candidate cycle. After the phase: the set holds roots taken from the buffer
     * and everything they reach (each with gc_refs = its count when it joined), breadth first, root by
     * root: a root is taken only once the closure of the previous one is complete. When the set is
     * full ({@link #closureLimit}) the phase ends at once: the root being closed is undecided (the
     * sweep owes a full cycle if it survives) and the roots not taken stay buffered. Trial deletion on
     * a set that is not closed is still safe: references from outside count as external.
     *
     * <p>The closure is also the subtract phase (as Bacon and Rajan's MarkGray is): visiting a set
     * object's children, a child already in the set loses one gc_ref, and a child that joins does so
     * with its count less this reference. Each reference from a set object is thus subtracted once,
     * when its holder is visited, and it existed when its target joined (one made later touched the
     * target), so the argument of the class comment holds; and the set, which does not fit in the
     * caches at scale, is walked twice (closure, mark) instead of three times. The next phase is MARK.
     */
    private long closure(long max) {
        long done = 0;
        while (done < max) {
            if (truncated) {
                // The closure of the last root taken was cut: roots it pulled in are undecided, and
                // go back to the buffer (those of earlier roots sit in closed neighbourhoods:
                // decided). One unit each: there may be thousands.
                if (rebufferCursor < 0) {
                    rebufferCursor = joinedRoots.lowerBound(lastRootIdx);
                }
                if (rebufferCursor < joinedRoots.size()) {
                    long obj = objs.get(joinedRoots.get(rebufferCursor++));
                    if (obj != 0) {
                        gc.roots.rebuffer(obj);
                    }
                    done++;
                    continue;
                }
                endClosure();
                return done;
            }
            if (cur != 0) {
                done += visitChildren(cur, CLOSE, max - done);
                continue;
            }
            if (cursor < n) {
                long obj = objs.get(cursor++);
                done += obj == 0 ? 1 : visitChildren(obj, CLOSE, max - done);
                continue;
            }
            long root = n >= cycleLimit ? 0 : gc.roots.take();
            done++;
            if (root == 0) {
                endClosure();
                return done;
            }
            if (root > 0) {
                gc.unlink(root - GC_HEAD_SIZE);
                if (firstRootIdx < 0) {
                    firstRootIdx = n;
                }
                lastRootIdx = n;
                addToSet(root);
                rootsTaken++;
            }
        }
        return done;
    }

    private void endClosure() {
        joinedRoots.clear();
        rebufferCursor = -1;
        if (truncated && lastRootIdx > firstRootIdx && objs.get(lastRootIdx) != 0) {
            // The set filled up while closing over a later root: it goes back to the buffer, and a
            // later cycle, whose set it opens, decides it. Only a root whose closure alone outgrows
            // the limit (the first of its cycle) is left undecided.
            gc.roots.rebuffer(objs.get(lastRootIdx));
            lastRootIdx = -1;
        }
        cur = 0;
        phase = MARK; // the closure subtracted as it went: see closure
        cursor = 0;
    }

    /** After the phase: gc_refs of each set object counts its references from outside the set. */
    private long subtract(long max) {
        long done = 0;
        while (done < max) {
            if (cur != 0) {
                done += visitChildren(cur, SUBTRACTING, max - done);
                continue;
            }
            if (cursor == n) {
                phase = MARK;
                cursor = 0;
                return done;
            }
            long obj = objs.get(cursor++);
            done += obj == 0 ? 1 : visitChildren(obj, SUBTRACTING, max - done);
        }
        return done;
    }

    /** After the phase: exactly the set objects reachable from outside the set (or touched) are REACHABLE. */
    private long mark(long max) {
        long done = 0;
        while (done < max) {
            if (cur != 0) {
                done += visitChildren(cur, MARKING, max - done);
                continue;
            }
            if (sp > 0) {
                long obj = objs.get(stack.get(--sp));
                done += obj == 0 ? 1 : visitChildren(obj, MARKING, max - done);
                continue;
            }
            if (cursor == n) {
                phase = SWEEP; // marking is complete: from here on no touch can matter
                heap.barrier = false;
                cursor = 0;
                return done;
            }
            int idx = cursor++;
            long obj = objs.get(idx);
            if (obj != 0) {
                long g = obj - GC_HEAD_SIZE;
                long prev = heap.getLong(g + 8);
                if ((prev & REACHABLE) == 0 && (prev >> SHIFT) > 0) {
                    heap.putLong(g + 8, prev | REACHABLE);
                    push(idx);
                }
            }
            done++;
        }
        return done;
    }

    /**
     * Visits at most {@code max} child slots of {@code obj}, from where the last call stopped if it is
     * the container under way. A big list or dict is thus spread over many steps: one object is never
     * a unit of work, its slots are. Returns the work done (at least 1).
     */
    private long visitChildren(long obj, int mode, long max) {
        long slots = gc.childSlots(obj);
        long from = obj == cur ? curIndex : 0;
        long to = Math.min(slots, from + max);
        gc.traverseRange(obj, from, to, mode);
        if (to < slots && !(mode == CLOSE && truncated)) { // a full set stops closing, nothing else
            cur = obj;
            curIndex = to;
            curMode = mode;
        } else {
            cur = 0;
        }
        return Math.max(1, to - from);
    }

    /** The container whose slots are being visited across steps (0: none), and the next slot. */
    private long cur;
    private long curIndex;
    private int curMode;

    /** Traversal modes: what {@link #visitChild} does with each child in the set. */
    static final int SUBTRACTING = 0;
    static final int MARKING = 1;
    static final int CLOSE = 2;

    /**
     * The list under way had {@code delta} items inserted (+1) or removed (-1) at {@code index}: slots
     * before the resume point shift, so the resume point moves with them and no item is visited twice
     * or skipped.
     */
    void shifted(long list, long index, long delta) {
        if (list == cur && index < curIndex) {
            curIndex = Math.max(0, curIndex + delta);
        }
    }

    /**
     * The container under way (a dict ending a migration) had its slots from {@code from} on
     * renumbered from {@code to}, with nothing in [to, from): the resume point moves with them, and
     * one inside the empty range goes to its end. Nothing is visited twice or skipped.
     */
    void slotsMovedDown(long obj, long from, long to) {
        if (obj == cur && curIndex > to) {
            curIndex = Math.max(to, curIndex - (from - to));
        }
    }

    /**
     * The container under way was rehashed or cleared: its slots moved. Marking starts it over
     * (marking twice is harmless); subtracting, and closing, which subtracts, stop and keep the
     * container, touched: its remaining references are then not subtracted, which only overstates
     * its children's outside references (subtracting any again could count one twice); and its
     * children left outside the set are reachable from it, which is reachable now.
     */
    void reset(long obj) {
        if (obj != cur) {
            return;
        }
        if (curMode == MARKING) {
            curIndex = 0;
        } else { // subtracting (or closing, which subtracts)
            cur = 0;
            touch(obj);
        }
    }

    /**
     * After the phase: REACHABLE objects are ordinary members of generation 2 again; the others are
     * on the garbage list, weakrefs to them are cleared and their finalizers have run; what a
     * finalizer resurrected is back in generation 2.
     */
    private long sweep(long max) {
        long done = 0;
        long old = gc.gen[Collector.NUM_GENERATIONS - 1];
        while (done < max) {
            if (cursor == n) {
                endSweep(old);
                return done;
            }
            int idx = cursor++;
            long obj = objs.get(idx);
            objs.set(idx, 0);
            if (obj != 0) {
                long g = obj - GC_HEAD_SIZE;
                long prev = heap.getLong(g + 8);
                heap.putLong(g, 0);
                if ((prev & REACHABLE) != 0) {
                    heap.putLong(g + 8, prev & Collector.KEPT);
                    gc.appendTo(g, old);
                    survivors++;
                    if (idx == lastRootIdx && truncated) {
                        fullCycleOwed = true; // its closure was cut: only a full cycle can decide it
                        undecidedRoots++;
                    }
                } else {
                    // CONDEMNED, not COLLECTING: a young collection between steps must not take it for its own.
                    heap.putLong(g + 8, (prev & Collector.KEPT) | Collector.CONDEMNED);
                    gc.appendTo(g, garbage);
                    found++;
                    finalizersPending |= gc.prepareGarbage(obj, queue);
                }
            }
            done++;
        }
        return done;
    }

    private void endSweep(long old) {
        if (candidateCycle) {
            candidates.examined += n;
        } else {
            examined += n;
        }
        cycleExamined = n;
        n = 0;
        long m = gc.callQueuedCallbacks(queue);
        found = gc.finishPreparedGarbage(garbage, old, found, m, finalizersPending);
        if (candidateCycle) {
            candidateWorkSinceFull += Math.max(0, cycleExamined - found);
            candidateFoundSinceFull += found;
            if (!fullCycleOwed && candidateWorkSinceFull > Math.max(MIN_FULL_CYCLE_WORK, heap.liveObjects())
                    && candidateFoundSinceFull < lastFullYield * (candidateWorkSinceFull + candidateFoundSinceFull)) {
                fullCycleOwed = true; // see candidateWorkSinceFull
            }
        }
        if (finalizersPending) {
            // The resurrection pass ran over the garbage with COLLECTING: what is left is CONDEMNED again.
            for (long g = gc.next(garbage); g != garbage; g = gc.next(g)) {
                heap.putLong(g + 8, (heap.getLong(g + 8) & ~Collector.COLLECTING) | Collector.CONDEMNED);
            }
        }
        if (!candidateCycle) {
            gc.longLivedPending = 0;
            gc.longLivedTotal = survivors;
        }
        phase = DELETE;
    }

    /** After the phase (over its steps): the garbage list is empty; its objects' references are cleared. */
    private long delete(long max) {
        // Survivors of their clear wait on the (empty by now) chain, still condemned: only garbage
        // holds them, and they normally die when that garbage is cleared in a later step.
        long done = gc.deleteSome(garbage, chain, max, true);
        if (gc.next(garbage) == garbage) {
            for (long g = gc.next(chain); g != chain; g = gc.next(g)) {
                heap.putLong(g + 8, heap.getLong(g + 8) & ~Collector.CONDEMNED);
            }
            gc.merge(chain, gc.gen[Collector.NUM_GENERATIONS - 1]);
            if (candidateCycle) {
                candidates.collected += found;
                candidates.cycles++;
            } else {
                heap.alloc.trimCaches(); // as after a full collection
                collected += found;
                lastFullYield = cycleExamined == 0 ? 1 : (double) found / cycleExamined;
                cycles++;
            }
            phase = IDLE;
        }
        return done;
    }

    // ------------------------------------------------------------------ traversal and barrier

    /** Called by the heap's traversal for each container child of an object of the set. */
    void visitChild(long child, int mode) {
        long g = child - GC_HEAD_SIZE;
        long next = heap.getLong(g);
        if ((next & TAG) == 0) {
            // Not in the set: allocated during the cycle, or untracked; or, closing, tracked and
            // joining now (unless the set is full), this reference then subtracted below.
            if (mode != CLOSE || next == 0 || !closeOver(child, g)) {
                return;
            }
        }
        long prev = heap.getLong(g + 8);
        if (mode != MARKING) { // SUBTRACTING, or CLOSE: see closure
            if ((prev >>> SHIFT) != 0) {
                heap.putLong(g + 8, prev - ONE_REF);
            } else if ((prev & REACHABLE) == 0 && tooSmall == 0) {
                // Untouched, so no reference to it was made during the cycle: its count is too small.
                tooSmall = child;
            }
        } else if ((prev & REACHABLE) == 0) {
            heap.putLong(g + 8, prev | REACHABLE);
            push((int) (next >>> SHIFT));
        }
    }

    /** {@code child}, a tracked container outside the set, joins it, unless the set is full. Returns whether it joined. */
    private boolean closeOver(long child, long g) {
        if (n >= cycleLimit) {
            truncated = true;
            return false;
        }
        gc.unlink(g);
        addToSet(child);
        return true;
    }

    /**
     * The barrier: a reference to {@code obj} (a live object) was created. If it is in the set and
     * not yet known reachable, it is now, and everything it reaches will be.
     */
    void touch(long obj) {
        if (phase > MARK || !heap.isContainerType(heap.getLong(obj + TYPE))) {
            return;
        }
        long g = obj - GC_HEAD_SIZE;
        long next = heap.getLong(g);
        if ((next & TAG) == 0) {
            return;
        }
        long prev = heap.getLong(g + 8);
        if ((prev & REACHABLE) == 0) {
            heap.putLong(g + 8, prev | REACHABLE);
            push((int) (next >>> SHIFT));
        }
    }

    /** An object of the set died by its count: its slot empties. Returns whether it was in the set. */
    boolean leaveSet(long obj) {
        long g = obj - GC_HEAD_SIZE;
        long next = heap.getLong(g);
        if ((next & TAG) == 0) {
            return false;
        }
        if (obj == cur) {
            cur = 0;
        }
        objs.set((int) (next >>> SHIFT), 0);
        heap.putLong(g, 0);
        heap.putLong(g + 8, heap.getLong(g + 8) & Collector.KEPT);
        return true;
    }

    /** The end of a candidate step, for JFR and JMX; an observer's failure is reported, never thrown. */
    private void observeCandidateStep(boolean done, long pause) {
        try {
            org.refheap.observe.Hooks.candidateStep(heap, heap.id, heap.alloc, PHASES[phase], done, pause, found,
                    cycleExamined);
        } catch (Throwable t) {
            heap.unraisable("observer of heap #" + heap.id, t);
        }
    }

    /** Figures of one kind of pause-bounded cycle. */
    static final class CycleFigures {
        long cycles;
        long steps;
        long collected;
        long examined;
        long lastStepNanos;
        long maxStepNanos;
        long totalNanos;

        void step(long pause) {
            steps++;
            lastStepNanos = pause;
            maxStepNanos = Math.max(maxStepNanos, pause);
            totalNanos += pause;
        }
    }

    // ------------------------------------------------------------------ for Heap.verify()

    int setSize() {
        return n;
    }

    /** Whether the chain holds condemned survivors (the delete phase) rather than objects to snapshot. */
    boolean chainIsCondemned() {
        return phase == DELETE;
    }

    long setObject(int i) {
        return objs.get(i);
    }

    long chainHead() {
        return chain;
    }

    long garbageHead() {
        return garbage;
    }

    static boolean inSet(long gcNextWord) {
        return (gcNextWord & TAG) != 0;
    }

    private void push(int idx) {
        stack.ensure(sp);
        stack.set(sp++, idx);
    }

    /** A growable list of ints (set indices), in chunks ({@link Chunks}). */
    private static final class IntList {
        private final Chunks.Ints a = new Chunks.Ints();
        private int size;

        void add(int v) {
            a.ensure(size);
            a.set(size++, v);
        }

        int get(int i) {
            return a.get(i);
        }

        /** The first position whose value is at least {@code v} (the values were added in increasing order). */
        int lowerBound(int v) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (a.get(mid) < v) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        int size() {
            return size;
        }

        void clear() {
            size = 0;
        }
    }
}
