package org.refheap;

import java.util.Arrays;

import static org.refheap.layout.ObjectLayout.GC_HEAD_SIZE;
import static org.refheap.layout.ObjectLayout.TYPE;

/**
 * The root buffer of the candidate collector ({@link CollectionMode#LOW_LATENCY}): the containers
 * whose count was decremented to a value above zero since a candidate cycle last looked at them.
 * Only such an object can have become the entry to cyclic garbage (Bacon and Rajan, ECOOP 2001:
 * {@code PossibleRoot}); PHP's collector has buffered them the same way since 5.3.
 *
 * <h2>Buffering</h2>
 * {@link #possibleRoot} runs on every decref that leaves a count above zero (the one line in
 * {@code Heap.release}). Objects of acyclic types (atoms, weakrefs, structs without reference
 * fields: {@link TypeArea#mayBeCyclic}) and untracked tuples (atoms only) are never buffered. A
 * buffered object carries {@link Collector#BUFFERED} in its GC head, so that the steady state, the
 * object already buffered, costs one read and one bit test; the first time it costs a type-table
 * load and one insertion here.
 *
 * <h2>Why a hash set of addresses, not an array</h2>
 * A buffered object may die by its count before a cycle looks at it, and its block may then hold a
 * new object at the same address. PHP keeps the buffer index in the object's header to take the
 * entry out at free time; refheap's GC head has no room left (gc_next and gc_prev are the generation
 * links, their four low bits flags). So the buffer is an open-addressing set keyed by address
 * (linear probing, deletion by backward shift: no tombstones): dealloc of an object whose BUFFERED
 * bit is set removes its entry in O(1) ({@link #remove}, from {@code Collector.untrackForDealloc}),
 * before its block is freed. Invariant, checked by {@code Heap.verify()}: an address is in the set if
 * and only if it is a live tracked container carrying BUFFERED. A stale address can never be read.
 * The table is about 16 bytes per buffered root and stays in the cache while the buffer is small
 * (10,000 roots: 256 KiB).
 *
 * <h2>Taking roots</h2>
 * A candidate cycle takes roots one at a time ({@link #take}), clearing their BUFFERED bit, while the
 * program may add and remove roots between its steps: a cursor walks the table; a root added behind
 * it, or moved behind it by a deletion or a rehash, waits for the next cycle.
 */
final class CandidateRoots {
    private static final int MIN_CAPACITY = 1 << 10;
    /** Fibonacci hashing: the product's top bits spread 16-byte-aligned addresses evenly. */
    private static final long PHI = 0x9E3779B97F4A7C15L;
    /** Slots {@link #take} scans before it returns, so that one unit of a step stays small. */
    private static final int TAKE_SCAN = 64;

    private final Heap heap;
    private RootTable table = new RootTable(MIN_CAPACITY);
    private int shift = 64 - Integer.numberOfTrailingZeros(MIN_CAPACITY);
    /** Entries in {@link #table} and {@link #old} together. */
    private int size;
    private int cursor;
    /**
     * The table being moved into {@link #table} after a resize (null: none), a few slots per
     * insertion and per {@link #take}, as Redis rehashes its dicts: a resize never costs the whole
     * table at once (a million roots took a millisecond or so, inside a decref or a step). Removal
     * from it leaves a {@link #MOVED} mark instead of shifting entries back, so that the migration,
     * which walks it in slot order, skips nothing; nothing is inserted into it.
     */
    private RootTable old;
    private int oldShift;
    private int oldCursor;
    /** A removed entry of {@link #old}: probing goes on past it. Never an address (objects are 16-byte aligned). */
    private static final long MOVED = 1;
    /** Slots of {@link #old} moved per insertion; enough to empty it before the new table fills. */
    private static final int MIGRATE_PER_INSERT = 4;

    /**
     * Retired tables by the log2 of their capacity, for the next resize to that capacity: a buffer
     * that fills in a burst and empties in the gap after it (grows, then shrinks at the next cycle's
     * start) would otherwise allocate its tables again every burst, Java garbage of the buffer's size
     * that G1 takes as humongous allocations, each a young pause of a millisecond or two (measured in
     * the 1M order book's low-latency mode). At most one per capacity: at most twice the largest
     * table, in Java memory.
     */
    private final RootTable[] spares = new RootTable[32];
    /** How many leading slots of each spare are zero again: a spare is reused only when all are. */
    private final int[] spareClean = new int[32];
    /** Bit k set: {@code spares[k]} still has slots to zero. */
    private int dirtySpares;
    /** Slots zeroed per {@link #take} (a Java array fill: tens of nanoseconds). */
    private static final int SCRUB_PER_TAKE = 1024;
    /**
     * Slots zeroed per insertion (a few nanoseconds): a table is retired when a cycle shrinks the
     * buffer, often with few takes left before the next burst wants it back; the burst's own
     * insertions clean it first (the spares, smallest first, add up to about twice the largest).
     */
    private static final int SCRUB_PER_INSERT = 16;
    /** A spare up to this many slots is zeroed at once when a resize wants it (a fill of 64 KiB). */
    private static final int SCRUB_AT_ONCE = 8192;

    /** Roots ever buffered (a statistic). */
    long buffered;

    /**
     * Set while the collector clears the references of garbage it found ({@code deleteSome}). A
     * decref there of an object that is itself garbage of the collection (COLLECTING on a
     * stop-the-world collection's unreachable list, CONDEMNED on the pause-bounded one's garbage)
     * buffers nothing: the object dies when its turn comes, so buffering it would cost a hash
     * insertion and a removal for nothing, per member of every cycle freed. Anything else is buffered
     * as usual: an object the closure of a candidate cycle did not reach may become garbage when
     * garbage lets go of it, and user code that runs meanwhile ({@code userCodeDepth > 0}) may drop
     * anything.
     */
    boolean clearingGarbage;

    CandidateRoots(Heap heap) {
        this.heap = heap;
        if (heap.typeAreaBlock() != heap.base) {
            // possibleRoot reads the word before any object: it must lie inside the reservation.
            throw new AssertionError("the type area of heap #" + heap.id + " is not at the start of its"
                    + " reservation, so an object might be");
        }
    }

    /**
     * {@code obj}'s count was decremented and is still above zero: it may now be the entry to cyclic
     * garbage. Buffers it unless its type is acyclic, it is untracked, or it is buffered already.
     */
    void possibleRoot(long obj) {
        // The steady state first: one read, one bit. For a container the word before the header is
        // gc_prev. An atom has no GC head, and the word is the last of whatever block precedes it:
        // reading it is safe (the segment is the whole reservation, and no object starts at its
        // first byte: the type area, immortal, is allocated there first, as the constructor checks),
        // and whatever it holds only decides to
        // skip an atom, which is never a candidate anyway. Otherwise the type decides.
        long prev = heap.getLong(obj - 8);
        if ((prev & Collector.BUFFERED) == 0) {
            maybeBuffer(obj, prev);
        }
    }

    private void maybeBuffer(long obj, long prev) {
        if ((heap.typeInfo(heap.getLong(obj + TYPE)) & TypeArea.SLOT_CYCLIC) != 0) {
            buffer(obj, obj - GC_HEAD_SIZE, prev);
        }
    }

    private void buffer(long obj, long g, long prev) {
        long next = heap.getLong(g);
        if (next == 0) {
            return; // an untracked tuple: it holds atoms only
        }
        if (clearingGarbage && heap.userCodeDepth == 0 && (prev & (Collector.COLLECTING | Collector.CONDEMNED)) != 0
                && !IncrementalCollector.inSet(next)) {
            return; // garbage the collector is clearing: see clearingGarbage
        }
        heap.putLong(g + 8, prev | Collector.BUFFERED);
        insert(obj);
        buffered++;
        heap.collector().countRoot();
    }

    /** Buffers {@code obj} (a live tracked container) whatever its type: what an abandoned cycle puts back. */
    void rebuffer(long obj) {
        long g = obj - GC_HEAD_SIZE;
        long prev = heap.getLong(g + 8);
        if ((prev & Collector.BUFFERED) == 0) {
            heap.putLong(g + 8, prev | Collector.BUFFERED);
            insert(obj);
        }
    }

    /** Roots buffered now. */
    int size() {
        return size;
    }

    /** {@code obj}, which carries BUFFERED, is being deallocated: its entry goes before its block does. */
    void remove(long obj) {
        int i = find(obj);
        if (i >= 0) {
            removeAt(i);
        } else {
            int j = old == null ? -1 : findIn(old, oldShift, obj);
            if (j < 0) {
                throw new AssertionError("0x" + Long.toHexString(obj) + " carries BUFFERED but is not in the root"
                        + " buffer (" + size + " roots)");
            }
            old.set(j, MOVED);
            size--;
        }
        heap.putLong(obj - GC_HEAD_SIZE + 8, heap.getLong(obj - GC_HEAD_SIZE + 8) & ~Collector.BUFFERED);
    }

    /**
     * A candidate cycle begins: {@link #take} starts from the table's first slot. A table grown by a
     * burst of roots (a load buffers one per object) and mostly emptied since is first shrunk, so that
     * a cycle's walk over it costs what is buffered, not what once was.
     */
    void startTaking() {
        cursor = 0;
        scrub(SCRUB_PER_TAKE);
        if (old == null && table.length > MIN_CAPACITY && 8L * size < table.length) {
            resize(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size)) * 4));
        }
    }

    /**
     * {@code obj} joined a candidate cycle's set while buffered: the cycle decides it as it decides a
     * root it took, so it leaves the buffer (its BUFFERED bit cleared). Were it left there, the next
     * cycle would take it and walk the same closure again: in a graph whose roots share their
     * neighbourhood (the orders of one price level), a cycle per root. A decref after this buffers it
     * again, for the next cycle: this one's count of it is stale.
     */
    void joined(long obj) {
        remove(obj);
    }

    /**
     * Takes one root for the cycle under way: removes it, clears its BUFFERED bit and returns it.
     * A root already in the cycle's set was buffered again by a decref after it joined (joining
     * took it out: {@link #joined}); it stays buffered for the next cycle, as that decref may have
     * made it garbage that this cycle's stale count cannot see. Returns 0 when
     * the walk reached the table's end, -1 when it scanned {@link #TAKE_SCAN} slots without a root
     * (call again).
     */
    long take() {
        if (dirtySpares != 0) {
            scrub(SCRUB_PER_TAKE);
        }
        if (old != null) {
            // Entries still in the old table are not taken: move them on (a look at a slot of it is
            // a Java array read; only an entry costs a placement).
            migrate(TAKE_SCAN * 16);
        }
        RootTable t = table;
        for (int scanned = 0; scanned < TAKE_SCAN; scanned++) {
            cursor = t.skipEmptyChunks(cursor);
            if (cursor >= t.length) {
                return old == null ? 0 : -1;
            }
            long obj = t.get(cursor);
            if (obj == 0 || IncrementalCollector.inSet(heap.getLong(obj - GC_HEAD_SIZE))) {
                cursor++;
                continue;
            }
            removeAt(cursor); // a later entry may shift into the cursor's slot: it is looked at next
            long g = obj - GC_HEAD_SIZE;
            heap.putLong(g + 8, heap.getLong(g + 8) & ~Collector.BUFFERED);
            return obj;
        }
        return -1;
    }

    /** Forgets every root (their BUFFERED bits cleared): a full collection has decided them all. */
    void clear() {
        for (RootTable t : old == null ? new RootTable[] {table} : new RootTable[] {table, old}) {
            for (int i = t.skipEmptyChunks(0); i < t.length; i = t.skipEmptyChunks(i + 1)) {
                long obj = t.get(i);
                if (obj > MOVED) {
                    long g = obj - GC_HEAD_SIZE;
                    heap.putLong(g + 8, heap.getLong(g + 8) & ~Collector.BUFFERED);
                }
            }
            t.zero(0, t.length);
            retire(t, true);
        }
        old = null;
        table = newTable(MIN_CAPACITY);
        shift = 64 - Integer.numberOfTrailingZeros(MIN_CAPACITY);
        size = 0;
        cursor = 0;
    }

    // ------------------------------------------------------------------ for Heap.verify()

    boolean contains(long obj) {
        return find(obj) >= 0 || old != null && findIn(old, oldShift, obj) >= 0;
    }

    /** The buffered roots, in table order. */
    long[] toArray() {
        long[] out = new long[size];
        int k = 0;
        for (RootTable t : old == null ? new RootTable[] {table} : new RootTable[] {table, old}) {
            for (int i = 0; i < t.length; i++) {
                long obj = t.get(i);
                if (obj > MOVED && k < size) {
                    out[k++] = obj;
                }
            }
        }
        return k == size ? out : Arrays.copyOf(out, k);
    }

    // ------------------------------------------------------------------ the set

    private int home(long obj) {
        return (int) ((obj * PHI) >>> shift);
    }

    private int find(long obj) {
        return findIn(table, shift, obj);
    }

    /** The slot of {@code obj} in {@code t}, whose home slots are taken with {@code sh}, or -1. */
    private static int findIn(RootTable t, int sh, long obj) {
        int mask = t.length - 1;
        for (int i = (int) ((obj * PHI) >>> sh); ; i = (i + 1) & mask) {
            long e = t.get(i);
            if (e == obj) {
                return i;
            }
            if (e == 0) {
                return -1;
            }
        }
    }

    /** Moves up to {@code slots} slots of {@link #old} into {@link #table}; drops it when it is empty. */
    private void migrate(int slots) {
        RootTable o = old;
        int end = Math.min(o.length, oldCursor + slots);
        for (int i = oldCursor; i < end; i++) {
            long obj = o.get(i);
            if (obj > MOVED) {
                place(obj);
                o.set(i, MOVED); // gone from here: probes for the entries not moved yet go on past it
            }
        }
        oldCursor = end;
        if (end == o.length) {
            old = null;
            retire(o, false);
        }
    }

    /** A table for {@link #resize}: a clean spare of that capacity if there is one, else a new one. */
    private RootTable newTable(int capacity) {
        int k = Integer.numberOfTrailingZeros(capacity);
        RootTable t = spares[k];
        if (t != null) {
            if (spareClean[k] < t.length && t.length <= SCRUB_AT_ONCE) {
                scrubSpare(k, t.length);
            }
            if (spareClean[k] == t.length) {
                spares[k] = null;
                return t;
            }
        }
        return new RootTable(capacity);
    }

    /** {@code t} is out of use: kept as the spare of its capacity ({@code clean}: all its slots are zero). */
    private void retire(RootTable t, boolean clean) {
        int k = Integer.numberOfTrailingZeros(t.length);
        spares[k] = t;
        spareClean[k] = clean ? t.length : 0;
        dirtySpares = clean ? dirtySpares & ~(1 << k) : dirtySpares | 1 << k;
    }

    /** Zeroes up to {@code slots} slots of the spares that need it. */
    private void scrub(int slots) {
        while (dirtySpares != 0 && slots > 0) {
            slots -= scrubSpare(Integer.numberOfTrailingZeros(dirtySpares), slots);
        }
    }

    /** Zeroes up to {@code slots} more slots of {@code spares[k]}; returns how many it zeroed. */
    private int scrubSpare(int k, int slots) {
        RootTable t = spares[k];
        int from = spareClean[k];
        int to = (int) Math.min(t.length, (long) from + slots);
        t.zero(from, to);
        spareClean[k] = to;
        if (to == t.length) {
            dirtySpares &= ~(1 << k);
        }
        return to - from;
    }

    /** Puts {@code obj} (counted in size already) into a free slot of {@link #table}. */
    private void place(long obj) {
        RootTable t = table;
        int mask = t.length - 1;
        int i = home(obj);
        while (t.get(i) != 0) {
            i = (i + 1) & mask;
        }
        t.set(i, obj);
    }

    private void insert(long obj) {
        if (old != null) {
            migrate(MIGRATE_PER_INSERT);
        }
        if (dirtySpares != 0) {
            scrub(SCRUB_PER_INSERT);
        }
        if (2 * (size + 1) > table.length) {
            grow();
        }
        RootTable t = table;
        int mask = t.length - 1;
        int i = home(obj);
        while (t.get(i) != 0) {
            i = (i + 1) & mask;
        }
        t.set(i, obj);
        size++;
    }

    /**
     * Empties slot {@code i} and closes the gap (Knuth's algorithm R): each later entry of the probe
     * run moves back into the gap if its home slot does not lie cyclically in (gap, its slot].
     */
    private void removeAt(int i) {
        RootTable t = table;
        int mask = t.length - 1;
        int gap = i;
        for (int j = (gap + 1) & mask; t.get(j) != 0; j = (j + 1) & mask) {
            long e = t.get(j);
            int h = home(e);
            if (((j - h) & mask) >= ((j - gap) & mask)) {
                t.set(gap, e);
                gap = j;
            }
        }
        t.set(gap, 0);
        size--;
    }

    private void grow() {
        resize(table.length * 2);
    }

    /**
     * Starts moving every entry into a new table of {@code capacity} slots. A move still under way
     * (rare: the new table fills only after enough insertions to finish it) is finished first.
     */
    private void resize(int capacity) {
        if (old != null) {
            migrate(old.length);
        }
        old = table;
        oldShift = shift;
        oldCursor = 0;
        table = newTable(capacity);
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        if (size == 0) {
            retire(old, false); // empty, but it may hold MOVED marks
            old = null;
        }
    }
}
