package org.refheap;

import org.refheap.alloc.Obmalloc;
import org.refheap.memory.Reservation;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.refheap.layout.BuiltinLayouts.*;
import static org.refheap.layout.ObjectLayout.*;
import static org.refheap.layout.TypeLayout.*;

/**
 * A private off-heap object heap: CPython's object model (headers with a reference count and a type
 * pointer, objects freed the instant their count reaches zero) in one reserved range of native
 * memory.
 *
 * <h2>Three faces</h2>
 * <ul>
 * <li><b>Raw addresses</b>: every object is a {@code long}, the address of its header. Methods here
 *     and in {@link Lists}, {@link Dicts}, {@link Tuples} and {@link StructType.Field} take and
 *     return addresses and allocate nothing on the Java heap.</li>
 * <li><b>Flyweight views</b>: {@link ListView}, {@link DictView} wrap an address for readable code.</li>
 * <li><b>Owning handles</b>: {@link Ref}, an {@link AutoCloseable} that decrefs once when closed
 *     (try-with-resources: the deterministic {@code __exit__} way).</li>
 * </ul>
 *
 * <h2>Reference counting, as a Python user expects</h2>
 * A new object has count 1, owned by the caller. Storing it in a list, dict, tuple or struct field
 * increfs it; overwriting or clearing that slot decrefs the old value. {@link #getrefcount} reports
 * the count itself: Python's {@code sys.getrefcount} shows one more, the reference held by its own
 * argument. At zero the object is freed at once, and the references it held are released through an
 * explicit work list linked through the dead objects' GC heads: no Java recursion, no extra memory,
 * so a chain of ten million objects frees in one {@code decref}.
 *
 * <h2>Checks</h2>
 * The heap belongs to the thread that created it ({@link WrongThreadException} elsewhere; other
 * threads read its immutable objects through {@link #shareAcross} handles, docs/THREADS.md). Every
 * public method checks its arguments once: an address outside the heap or not holding an object,
 * a freed object, a count that would fall below zero, a wrong type, an index out of range. Each is
 * an exception naming the address, type and counts, and none changes the heap. With
 * {@link HeapConfig#debug} fresh memory is filled with {@code 0xCB} and freed memory with
 * {@code 0xDD} (CPython's {@code PYTHONMALLOC=debug} bytes) and every address is also checked
 * against the allocator's own records.
 */
public final class Heap implements AutoCloseable {
    /**
     * Every field refheap reads is naturally aligned by construction (objects and blocks are 16-byte
     * aligned, fields at multiples of their size), so the accesses skip the segment's alignment check;
     * bounds and liveness stay checked.
     */
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    static {
        // Classes the collector reaches only on a rare path are initialised now, at a shallow stack:
        // a class whose static initialiser fails (say, run first inside a collection near the stack
        // limit) stays unusable for the life of the JVM, for every heap.
        for (String c : new String[] {"org.refheap.observe.Hooks", "org.refheap.GcCallback$GcInfo",
                "org.refheap.RefcountException", "org.refheap.UseAfterFreeException",
                "org.refheap.NotAnObjectException", "org.refheap.WrongTypeException",
                "org.refheap.HeapExhaustedException", "org.refheap.StackGuard"}) {
            try {
                Class.forName(c, true, Heap.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private static final AtomicInteger IDS = new AtomicInteger();
    /** Open heaps' ranges, only to say "that address belongs to heap #n" in an error message. */
    static final List<Heap> OPEN = new ArrayList<>();

    /** The most a debug heap's quarantine holds back: 64 MiB, or a quarter of the heap if smaller. */
    static final long QUARANTINE_MAX = 64L << 20;
    static final byte CLEANBYTE = (byte) 0xCB;
    static final byte DEADBYTE = (byte) 0xDD;
    static final long DEAD_WORD = 0xDDDDDDDDDDDDDDDDL;
    /**
     * Written over ob_type when an object is freed: the type's address plus one, odd, so never a
     * type's address, yet an error can still name the type. A stale address then reads as freed even
     * after its block was reused by an object whose header lies elsewhere (a 32-byte block once a
     * container at +16, now an int at +0); only a reuse by an object with its header at the same place
     * makes it a live object again (debug mode's quarantine delays that).
     */
    private static long freedType(long type) {
        return type | 1;
    }

    /** Whether {@code word}, read from ob_type, marks a freed object ({@link #freedType}). */
    boolean isFreedType(long word) {
        return (word & 1) != 0 && isTypeObject(word - 1);
    }
    static final long FREED = -2;
    /** liveCount of a live container that the pause-bounded cycle under way has condemned. */
    static final long CONDEMNED = -3;
    private static final long[] NO_REFS = new long[0];
    private static final int NSMALLNEGINTS = 5;
    private static final int NSMALLPOSINTS = 257;

    final int id;
    final MemorySegment seg;
    final long base;
    final long limit;
    final Obmalloc alloc;
    final boolean debug;
    /** Counts at or above this (and below IMMORTAL) cannot be counts: see the constructor. */
    private final long countLimit;
    /** {@code limit - base - HEADER_SIZE}: a header at {@code obj} fits iff {@code obj - base} is at most this, unsigned. */
    private final long span;
    /** The type area's first address and its slot table ({@link TypeArea}), copied here for the checks. */
    private final long typeBlock;
    private final int[] typeSlots;
    private final Reservation reservation;
    private final Thread owner;
    /** The owner while the heap is open, null once closed: checkOwner's one compare covers both. */
    private Thread openOwner;
    private final HeapConfig config;
    private boolean closed;

    // Built-in types and singletons.
    final long typeType;
    final long noneType;
    final long boolType;
    final long intType;
    final long floatType;
    final long strType;
    final long bytesType;
    final long tupleType;
    final long listType;
    final long dictType;
    final long weakrefType;
    final long none;
    final long pyTrue;
    final long pyFalse;
    private final long[] smallInts = new long[NSMALLNEGINTS + NSMALLPOSINTS];
    final long emptyTuple;

    /** The type objects and their Java-side table. */
    private final TypeArea typeArea;
    /** Messages and exceptions that name an address, its type and its count. */
    private final Diagnostics diagnostics = new Diagnostics(this);
    static final int SLOT_GC = TypeArea.SLOT_GC;
    static final int SLOT_KIND = TypeArea.SLOT_KIND;

    // Figures. The live count is their sum, taken when asked: one counter less on every alloc and free.
    private long[] liveByType = new long[16];
    private long immortalBytes;

    /** Containers whose count reached zero and whose references are yet to be released. */
    private long pending;
    private boolean draining;

    private final Lists lists;
    private final Dicts dicts;
    private final Tuples tuples;
    private final WeakRefs weakRefs;
    private final Collector collector;
    /** {@link CollectionMode#LOW_LATENCY}: a decref that leaves a count above zero may buffer a candidate root. */
    private final boolean bufferCandidates;
    private final CandidateRoots candidateRoots;
    private final Gc gc;
    private UnraisableHook unraisableHook = UnraisableHook.STDERR;

    private Heap(HeapConfig config) {
        this.config = config;
        this.id = IDS.incrementAndGet();
        this.owner = Thread.currentThread();
        this.openOwner = owner;
        this.debug = config.debug();
        this.slowChecks = debug;
        this.hooked = debug;
        this.reservation = new Reservation(config.maxBytes(), Obmalloc.ARENA_SIZE, config.hugePages());
        try {
            this.seg = reservation.segment();
            this.base = reservation.base();
            this.limit = base + reservation.size();
            // No count can reach the heap's own addresses when even a reference in every word of the
            // heap and four billion held by Java would not get there (always, at the addresses mmap
            // gives on 64-bit Linux): a "count" that large is an address, so the word is an item of
            // a list, tuple or dict, not an object header.
            long maxCount = ((limit - base) >>> 3) + (1L << 32);
            this.countLimit = base > maxCount ? base : IMMORTAL;
            this.span = limit - base - HEADER_SIZE;
            this.alloc = new Obmalloc(reservation, config.releasePolicy(), config.preTouchBytes());
            if (debug) {
                // Freed blocks are held back from reuse, so that a stale address keeps pointing at
                // poisoned memory instead of at the next object (AddressSanitizer's quarantine).
                alloc.setQuarantine(Math.min(config.maxBytes() / 4, QUARANTINE_MAX));
            }
            this.typeArea = new TypeArea(this, alloc.malloc(TypeArea.SIZE));
            this.typeBlock = typeArea.block();
            this.typeSlots = typeArea.slots;
            immortalBytes += alloc.usableSize(typeArea.block());

            // Bootstrap: `type` is its own type; names come once str exists.
            typeType = newTypeObject("type", KIND_TYPE, FLAG_IMMUTABLE, TP_REFOFFS, 8, NO_REFS, 0, null);
            noneType = newTypeObject("NoneType", KIND_NONE, FLAG_IMMUTABLE, HEADER_SIZE, 0, NO_REFS, 0, null);
            boolType = newTypeObject("bool", KIND_BOOL, FLAG_IMMUTABLE, HEADER_SIZE + 8, 0, NO_REFS, 0, null);
            intType = newTypeObject("int", KIND_INT, FLAG_IMMUTABLE, HEADER_SIZE + 8, 0, NO_REFS, 0, null);
            floatType = newTypeObject("float", KIND_FLOAT, FLAG_IMMUTABLE, HEADER_SIZE + 8, 0, NO_REFS, 0, null);
            strType = newTypeObject("str", KIND_STR, FLAG_IMMUTABLE | FLAG_VAR, STR_DATA, 1, NO_REFS, 0, null);
            bytesType = newTypeObject("bytes", KIND_BYTES, FLAG_IMMUTABLE | FLAG_VAR, STR_DATA, 1, NO_REFS, 0, null);
            tupleType = newTypeObject("tuple", KIND_TUPLE, FLAG_HAVE_GC | FLAG_IMMUTABLE | FLAG_VAR, TUPLE_ITEMS, 8,
                    NO_REFS, 0, null);
            listType = newTypeObject("list", KIND_LIST, FLAG_HAVE_GC, LIST_BASICSIZE, 0, NO_REFS, 0, null);
            dictType = newTypeObject("dict", KIND_DICT, FLAG_HAVE_GC, DICT_BASICSIZE, 0, NO_REFS, 0, null);
            weakrefType = newTypeObject("weakref", KIND_WEAKREF, FLAG_HAVE_GC, WR_BASICSIZE, 0, NO_REFS, 0, null);
            for (int i = 0; i < typeArea.count(); i++) {
                PyType t = typeArea.byId(i);
                putLong(t.address + TP_NAME, immortal(newStrNoCheck(t.name)));
            }
            none = immortal(allocObject(noneType, HEADER_SIZE, false));
            pyFalse = immortal(allocObject(boolType, HEADER_SIZE + 8, false));
            putLong(pyFalse + VALUE, 0);
            pyTrue = immortal(allocObject(boolType, HEADER_SIZE + 8, false));
            putLong(pyTrue + VALUE, 1);
            for (int i = 0; i < smallInts.length; i++) {
                long o = allocObject(intType, HEADER_SIZE + 8, false);
                putLong(o + VALUE, i - NSMALLNEGINTS);
                smallInts[i] = immortal(o);
            }
            emptyTuple = immortal(allocObject(tupleType, TUPLE_ITEMS, true));
            putLong(emptyTuple + TUPLE_SIZE, 0);

            long[] heads = new long[9];
            for (int i = 0; i < heads.length; i++) {
                heads[i] = alloc.malloc(GC_HEAD_SIZE);
                immortalBytes += alloc.usableSize(heads[i]);
            }
            this.collector = new Collector(this, heads);
            this.candidateRoots = collector.roots;
            this.bufferCandidates = config.collectionMode() == CollectionMode.LOW_LATENCY;
            this.lists = new Lists(this);
            this.dicts = new Dicts(this);
            this.tuples = new Tuples(this);
            this.weakRefs = new WeakRefs(this);
            this.gc = new Gc(this, collector);
        } catch (Throwable t) {
            reservation.close(); // a heap that could not be made must not keep its address space
            throw t;
        }
        synchronized (OPEN) {
            OPEN.add(this);
        }
    }

    /** A heap with the default configuration ({@link HeapConfig#defaults()}). */
    public static Heap create() {
        return create(HeapConfig.defaults());
    }

    /**
     * A heap made as {@code config} says: its size, pre-touched memory, release policy and debug mode.
     *
     * @param config how to make the heap ({@link HeapConfig#defaults()} and its {@code with*} copies)
     * @return the new heap, owned by the calling thread
     * @throws IllegalArgumentException if {@code config} is null
     */
    public static Heap create(HeapConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config must not be null (use HeapConfig.defaults())");
        }
        int traceFrames = Settings.TRACEMALLOC; // -Drefheap.tracemalloc=N, as PYTHONTRACEMALLOC=N
        Heap heap = new Heap(config);
        if (traceFrames > 0) {
            org.refheap.trace.Tracemalloc.of(heap).start(traceFrames);
        }
        return heap;
    }

    /**
     * refheap's version as built, such as {@code 0.1.0-SNAPSHOT} (the same from the jar and from
     * {@code target/classes}; {@code "unknown"} only if the build left no record of it).
     *
     * @return the version string of this build
     */
    public static String version() {
        return Version.VERSION;
    }

    /**
     * The configuration this heap was made with.
     *
     * @return the configuration
     */
    public HeapConfig config() {
        return config;
    }

    /** Whether the kernel took the advice to back this heap with huge pages ({@link HeapConfig#hugePages}). */
    public boolean hugePages() {
        return reservation.hugePages();
    }

    /** This heap's number, unique in the JVM (in messages: "heap #3"). */
    public int id() {
        return id;
    }

    // ================================================================== reference counting

    /** Adds one to the count of {@code obj}. Immortal objects keep their count. */
    public void incref(long obj) {
        if (UNCHECKED) {
            checkOwner(); // the shared segment no longer refuses other threads
            acquire(obj, getLong(obj));
            return;
        }
        checkOwner();
        long rc = quickCount(obj);
        acquire(obj, rc > 0 ? rc : checkLive(obj));
    }

    /**
     * Takes one from the count of {@code obj}; at zero the object is freed at once, and with it
     * everything only it kept alive.
     *
     * @throws RefcountException when the object was already freed (its count would go below zero)
     */
    public void decref(long obj) {
        if (UNCHECKED) {
            checkOwner();
            release(obj, getLong(obj));
            return;
        }
        checkOwner();
        // quickCount's test written out, so that a count reaching zero frees with the type word and
        // slot already read: no second read of the header, no second table load.
        long off = obj - base;
        if (Long.compareUnsigned(off, span) <= 0 && (obj & 15) == 0 && !slowChecks) {
            long rc = seg.get(LONG, off);
            long type = seg.get(LONG, off + TYPE);
            long t = type - typeBlock;
            int info;
            if ((t & TypeArea.OFFSET_MASK) == 0 && (info = typeSlots[(int) (t >>> 4)]) != 0) {
                if (rc == 1) {
                    deallocate(obj, type, info);
                    return;
                }
                if (Long.compareUnsigned(rc - 1, countLimit - 1) < 0 || rc >= IMMORTAL) {
                    release(obj, rc);
                    return;
                }
            }
        }
        release(obj, checkLiveForDecref(obj));
    }

    /**
     * The reference count of {@code obj}: 1 for a new object that nobody else holds. Python's
     * {@code sys.getrefcount} returns one more (its argument's own reference). For immortal objects
     * the figure is huge and meaningless, as in CPython 3.12+.
     */
    public long getrefcount(long obj) {
        checkOwner();
        long rc = quickCount(obj);
        return rc > 0 ? rc : checkLive(obj);
    }

    /** Whether {@code obj} is immortal (None, True, False, small ints, types; PEP 683). */
    public boolean isImmortal(long obj) {
        checkOwner();
        return checkLive(obj) >= IMMORTAL;
    }

    /**
     * Whether {@code obj} is a live object of this heap that the program may use. Never throws for a
     * bad address. False for an object that the pause-bounded cycle under way found unreachable and
     * is freeing (no reference the program holds can reach it).
     */
    public boolean isLive(long obj) {
        checkOwner();
        return liveCount(obj) > 0;
    }

    /** Whether {@code obj} is still allocated, condemned or not (tests and verify). */
    boolean isAllocatedObject(long obj) {
        long rc = liveCount(obj);
        return rc > 0 || rc == CONDEMNED;
    }

    void increfNoCheck(long obj) {
        acquire(obj, getLong(obj));
    }

    void decrefNoCheck(long obj) {
        release(obj, getLong(obj));
    }

    /** The count of {@code obj} (now {@code rc}) goes up: a new reference, which the pause-bounded collector must hear of. */
    private void acquire(long obj, long rc) {
        if (rc < IMMORTAL) {
            putLong(obj, rc + 1);
            if (barrier) {
                collector.inc.touch(obj);
            }
        }
    }

    /** The count of {@code obj} (now {@code rc}) goes down; at zero the object is freed. */
    private void release(long obj, long rc) {
        if (rc >= IMMORTAL) {
            return;
        }
        if (rc > 1) {
            putLong(obj, rc - 1);
            if (bufferCandidates) {
                candidateRoots.possibleRoot(obj);
            }
        } else if (rc == 1) {
            deallocate(obj);
        } else {
            overRelease(obj);
        }
    }

    /**
     * An internal decref (a container releasing its slot) of an object whose count is already zero:
     * someone decref'd it once too often through the checked API while a reference to it was still
     * stored (a finalizer dropping the borrowed reference it was called with, in a cycle). Freeing
     * it again would corrupt the allocator; the decref is reported and ignored instead.
     */
    private void overRelease(long obj) {
        unraisable("release of " + describe(obj), new RefcountException("refcount of " + describe(obj)
                + " would drop below zero: a reference to it was still stored when its count reached zero"
                + " (a decref too many, such as a finalizer or callback dropping the borrowed reference it was"
                + " called with); the release is ignored"));
    }

    /**
     * A reference to {@code obj} moved without a count change (a list handing an item to the
     * caller): the pause-bounded collector must hear of it as of any other.
     */
    void referenceMoved(long obj) {
        if (barrier) {
            collector.inc.touch(obj);
        }
    }

    /** Whether a pause-bounded collection is under way: every count change then goes through its barrier. */
    boolean barrier;

    /** A list had items inserted (+1) or removed (-1) at {@code index}: the pause-bounded collector may be mid-way through it. */
    void listShifted(long list, long index, long delta) {
        if (barrier) {
            collector.inc.shifted(list, index, delta);
        }
    }

    /**
     * A dict's slots from {@code from} on now number from {@code to} ({@code to <= from}; slots in
     * between held nothing): the pause-bounded collector may be mid-way through it.
     */
    void containerSlotsMoved(long obj, long from, long to) {
        if (barrier) {
            collector.inc.slotsMovedDown(obj, from, to);
        }
    }

    /** A list or dict had its slots moved wholesale (cleared). */
    void containerReset(long obj) {
        if (barrier) {
            collector.inc.reset(obj);
        }
    }

    /**
     * The count of {@code obj} is about to reach zero (it is 1). In order, as CPython's
     * {@code subtype_dealloc}: the finalizer runs once (PEP 442), with the count held at 1 so that it
     * may resurrect the object; then the count is 0, the object leaves its generation, weak references
     * to it are cleared and their callbacks run; then an atomic object is freed here, and a container
     * is pushed on the pending list and drained: each pending container releases its references
     * (children reaching zero come through here too) and is freed. A decref that arrives while
     * draining only pushes, so nothing recurses.
     */
    private void deallocate(long obj) {
        long type = getLong(obj + TYPE);
        if ((type & 1) != 0) {
            // Freed already (the freed type word; debug mode's poison is odd too): an atom freed by its
            // last decref keeps a count of 1 while its block is cached, so the count alone cannot
            // tell. Freeing it again would hand its block out twice.
            overRelease(obj);
            return;
        }
        deallocate(obj, type, typeInfo(type));
    }

    /** {@link #deallocate(long)} with the type word and its slot ({@link TypeArea}) already read. */
    private void deallocate(long obj, long type, int info) {
        if ((info & TypeArea.SLOT_FINALIZER) != 0) {
            if (!collector.isFinalized(obj)) {
                collector.setFinalized(obj);
                if (!finalizeFromDealloc(obj, type)) {
                    return; // resurrected: someone stored it
                }
            } else if (finalizing > 0 && dropFinalizing(obj)) {
                return; // its own finalizer, running now, dropped the reference it was called with
            }
        }
        if ((info & SLOT_GC) == 0) {
            if ((info & TypeArea.SLOT_WEAKLIST) != 0) {
                putLong(obj, 0); // dead to the callbacks
                weakRefs.clearAndCallback(obj, type);
            }
            // No count written (one store less per free): freeObject's freed type word marks the
            // object, and the release of a reference still stored to it (a decref too many through
            // the API) meets that word in deallocate(long) and is refused, stale count or not.
            freeObject(obj, type, info);
            return;
        }
        putLong(obj, 0);
        collector.untrackForDealloc(obj);
        if ((info & SLOT_KIND) == KIND_WEAKREF) {
            // Off its referent's list now, not when the pending list gets to it: the referent may die
            // first in the same cascade and must not find (and call back) a weakref already dead
            // (CPython's weakref_dealloc clears the weakref first thing).
            weakRefs.dispose(obj);
        }
        if ((info & TypeArea.SLOT_WEAKLIST) != 0) {
            weakRefs.clearAndCallback(obj, type);
        }
        putLong(obj + GC_NEXT, pending);
        pending = obj;
        if (!draining) {
            drainPending();
        }
    }

    private void drainPending() {
        draining = true;
        try {
            while (pending != 0) {
                long obj = pending;
                pending = getLong(obj + GC_NEXT);
                putLong(obj + GC_NEXT, 0);
                long type = getLong(obj + TYPE);
                releaseReferences(obj, type);
                freeObject(obj, type, typeInfo(type));
            }
        } finally {
            draining = false;
        }
    }

    /** Drops every reference {@code obj} holds, leaving its slots cleared; for dealloc only. */
    private void releaseReferences(long obj, long type) {
        switch (getInt(type + TP_KIND)) {
            case KIND_STRUCT -> {
                int n = getInt(type + TP_NREFS);
                for (int i = 0; i < n; i++) {
                    long slot = obj + getLong(type + TP_REFOFFS + 8L * i);
                    long child = getLong(slot);
                    if (child != 0) {
                        putLong(slot, 0);
                        decrefNoCheck(child);
                    }
                }
            }
            case KIND_TUPLE -> {
                long n = getLong(obj + TUPLE_SIZE);
                putLong(obj + TUPLE_SIZE, 0);
                for (long i = 0; i < n; i++) {
                    decrefNoCheck(getLong(obj + TUPLE_ITEMS + 8 * i));
                }
            }
            case KIND_LIST -> lists.clearNoCheck(obj);
            case KIND_DICT -> dicts.clearNoCheck(obj);
            case KIND_WEAKREF -> weakRefs.dispose(obj);
            default -> throw new AssertionError("type " + typeName(type) + " of kind "
                    + getInt(type + TP_KIND) + " has a GC head but no way to release references");
        }
    }

    /**
     * The collector's {@code tp_clear}: drops the references of an unreachable container so that its
     * cycle breaks. Tuples have none to clear (they are immutable: a cycle through a tuple always
     * passes through a mutable container too), as in CPython.
     */
    void clearReferences(long obj) {
        long type = getLong(obj + TYPE);
        switch (getInt(type + TP_KIND)) {
            case KIND_STRUCT, KIND_LIST, KIND_DICT, KIND_WEAKREF -> releaseReferences(obj, type);
            default -> {
            }
        }
    }

    /**
     * PEP 442 from a count reaching zero: the finalizer runs with the count held at 1 by the dealloc
     * itself, so that storing the object anywhere resurrects it. Returns whether the object is to be
     * freed now (false: resurrected, its count is what the finalizer left it minus the one held).
     * The block is not freed while the finalizer runs, whatever it does: a finalizer that drops the
     * reference it was called with (a decref it does not own) is told so through the unraisable hook,
     * and the object is freed when it returns, never under it, so nothing it allocates meanwhile can
     * be handed the same block and freed in its place.
     */
    private boolean finalizeFromDealloc(long obj, long type) {
        if (finalizing == finalizingObjs.length) {
            finalizingObjs = Arrays.copyOf(finalizingObjs, finalizing * 2);
        }
        finalizingObjs[finalizing++] = obj;
        try {
            runFinalizer(obj, type);
        } finally {
            finalizing--;
        }
        long rc = getLong(obj) - 1;
        if (rc > 0) {
            putLong(obj, rc);
            return false;
        }
        return true;
    }

    /**
     * Runs {@code obj}'s finalizer for the collector, which holds a reference on it meanwhile: as in
     * dealloc, a count that reaches zero inside is the finalizer dropping the reference it was called
     * with, reported and kept at 1. Returns whether that happened.
     */
    boolean runFinalizerHeld(long obj, long type) {
        if (finalizing == finalizingObjs.length) {
            finalizingObjs = Arrays.copyOf(finalizingObjs, finalizing * 2);
        }
        finalizingObjs[finalizing++] = obj;
        try {
            runFinalizer(obj, type);
        } finally {
            finalizing--;
        }
        return finalizingObjs[finalizing] == -obj;
    }

    /** Objects whose finalizer runs from dealloc now, innermost last; a negated entry dropped its reference. */
    private long[] finalizingObjs = new long[8];
    private int finalizing;

    /**
     * {@code obj}'s count would reach zero again while its finalizer runs from dealloc. The first time
     * it is the reference the finalizer was called with, dropped by mistake: the count stays at 1 (the
     * dealloc frees the object when the finalizer returns) and the mistake is reported. A second time
     * is a count falling below zero. Returns false when {@code obj} is not being finalized.
     */
    private boolean dropFinalizing(long obj) {
        for (int i = finalizing - 1; i >= 0; i--) {
            if (finalizingObjs[i] == obj) {
                finalizingObjs[i] = -obj;
                unraisable("finalizer of " + describe(obj), new RefcountException("the finalizer of "
                        + describe(obj) + " dropped the reference it was called with (it is borrowed); the"
                        + " object is freed when the finalizer returns"));
                return true;
            }
            if (finalizingObjs[i] == -obj) {
                throw new RefcountException("refcount of " + describe(obj) + " would drop below zero: its"
                        + " finalizer is running and already dropped the reference it was called with");
            }
        }
        return false;
    }

    /** Runs the finalizer of {@code type} on {@code obj}; what it throws goes to the unraisable hook. Never throws. */
    void runFinalizer(long obj, long type) {
        Finalizer f = typeArea.byId(getInt(type + TP_ID)).finalizer;
        userCodeDepth++;
        try {
            f.run(obj);
        } catch (Throwable t) {
            try {
                unraisable("finalizer of " + describe(obj), t);
            } catch (Throwable ignored) {
                // Even building the report can fail (a stack overflow): the heap must not.
            }
        } finally {
            userCodeDepth--;
        }
    }

    /** Finalizers and weakref callbacks running now (they may nest): close() is refused meanwhile. */
    int userCodeDepth;

    /** Reports an exception that has nowhere to go (a finalizer's, a callback's), like sys.unraisablehook. */
    void unraisable(String where, Throwable t) {
        try {
            unraisableHook.report(where, t);
        } catch (Throwable ignored) {
            // A failing hook must not corrupt the heap either.
        }
    }

    /** Where exceptions from finalizers and callbacks go; the default prints them to stderr. */
    public void setUnraisableHook(UnraisableHook hook) {
        checkOwner();
        if (hook == null) {
            throw new IllegalArgumentException("hook must not be null (use UnraisableHook.STDERR)");
        }
        this.unraisableHook = hook;
    }

    /** Adds to {@code out} every object {@code obj} references directly (its traversal), atoms included. */
    void referents(long obj, Gc.LongList out) {
        collector.referents(obj, out);
    }

    /** Track a new container with the collector (may run a collection, as an allocation in CPython may). */
    void track(long obj) {
        collector.track(obj);
    }

    /** Frees {@code obj} of {@code type}, whose slot ({@link TypeArea}) is {@code info}. */
    private void freeObject(long obj, long type, int info) {
        long block = (info & SLOT_GC) != 0 ? obj - GC_HEAD_SIZE : obj;
        if (hooked) {
            if (allocListener != null) {
                allocListener.freed(obj);
            }
            if (debug) {
                liveByType[info >>> TypeArea.SLOT_TID_SHIFT]--;
                seg.asSlice(block - base, alloc.usableSize(block)).fill(DEADBYTE);
                alloc.free(block);
                return;
            }
        }
        liveByType[info >>> TypeArea.SLOT_TID_SHIFT]--;
        putLong(obj + TYPE, freedType(type));
        int sz = (info >>> TypeArea.SLOT_SZIDX_SHIFT) & TypeArea.SLOT_SZIDX_MASK;
        if (sz != 0) {
            alloc.freeKnown(block, sz - 1); // the type knows the block's class: no pool header read for it
        } else {
            alloc.free(block);
        }
    }

    // ================================================================== allocation

    /**
     * Allocates an object of {@code basicsize} bytes (header included, GC head not) with count 1.
     * The payload is not initialised.
     */
    long allocObject(long type, long basicsize, boolean gc) {
        long total = gc ? basicsize + GC_HEAD_SIZE : basicsize;
        if (hooked) {
            return allocHooked(type, getInt(type + TP_ID), -1, total, gc);
        }
        return initObject(alloc.malloc(total), type, getInt(type + TP_ID), gc);
    }

    /** The fast twin of {@link #allocObject} for a caller that knows the type's id and size class. */
    long allocSmallObject(long type, int tid, int szidx, boolean gc) {
        if (hooked) {
            return allocHooked(type, tid, szidx, org.refheap.alloc.SizeClasses.size(szidx), gc);
        }
        return initObject(alloc.mallocSmall(szidx), type, tid, gc);
    }

    /**
     * An allocation while something must hear of it ({@link #hooked}): a test's fault injector, other
     * threads' queued count changes (drained at every allocation, org.refheap.share), debug mode's
     * poisoning, the allocation listener. {@code szidx} is the size class, or -1 to let the allocator
     * find the block for {@code total} bytes.
     */
    private long allocHooked(long type, int tid, int szidx, long total, boolean gc) {
        if (faults != null) {
            fault("alloc");
        }
        if (remote != null) {
            remote.atAllocation(); // other threads' increfs and decrefs (org.refheap.share)
        }
        long block = szidx >= 0 ? alloc.mallocSmall(szidx) : alloc.malloc(total);
        if (debug) {
            seg.asSlice(block - base, alloc.usableSize(block)).fill(CLEANBYTE);
        }
        long obj = initObject(block, type, tid, gc);
        if (allocListener != null) {
            allocListener.allocated(obj, total, AllocationListener.DOMAIN_OBJECT);
        }
        return obj;
    }

    private long initObject(long block, long type, int tid, boolean gc) {
        long obj = block;
        if (gc) {
            putLong(block, 0);
            putLong(block + 8, 0);
            obj = block + GC_HEAD_SIZE;
        }
        putLong(obj, 1);
        putLong(obj + TYPE, type);
        liveByType[tid]++;
        return obj;
    }

    /** A raw block (no header) for item arrays and hash tables. Counted in bytes, not objects. */
    long mallocRaw(long nbytes) {
        if (!hooked) {
            return alloc.malloc(nbytes);
        }
        if (faults != null) {
            fault("alloc");
        }
        long block = alloc.malloc(nbytes);
        if (debug) {
            seg.asSlice(block - base, alloc.usableSize(block)).fill(CLEANBYTE);
        }
        if (allocListener != null) {
            allocListener.allocated(block, nbytes, AllocationListener.DOMAIN_RAW);
        }
        return block;
    }

    void freeRaw(long block) {
        if (hooked) {
            if (allocListener != null) {
                allocListener.freed(block);
            }
            if (debug) {
                seg.asSlice(block - base, alloc.usableSize(block)).fill(DEADBYTE);
            }
        }
        alloc.free(block);
    }

    /**
     * A new list that is never freed and never tracked ({@code gc.garbage}): whatever the program
     * does to its count, the collector can always append to it.
     */
    long newImmortalList() {
        long l = allocObject(listType, LIST_BASICSIZE, true);
        putLong(l + LIST_SIZE, 0);
        putLong(l + LIST_ALLOCATED, 0);
        putLong(l + LIST_ITEMS, 0);
        return immortal(l);
    }

    /** Makes a just-allocated object immortal and takes it out of the live figures. */
    private long immortal(long obj) {
        long type = getLong(obj + TYPE);
        putLong(obj, IMMORTAL);
        liveByType[getInt(type + TP_ID)]--;
        boolean gc = (getInt(type + TP_FLAGS) & FLAG_HAVE_GC) != 0;
        immortalBytes += alloc.usableSize(gc ? obj - GC_HEAD_SIZE : obj);
        return obj;
    }

    private long newTypeObject(String name, int kind, int flags, long basicsize, long itemsize, long[] refOffsets,
            long weaklistoffset, Finalizer finalizer) {
        long t = typeArea.define(name, kind, flags, basicsize, itemsize, refOffsets, weaklistoffset, finalizer, typeType);
        if (typeArea.count() > liveByType.length) {
            liveByType = Arrays.copyOf(liveByType, liveByType.length * 2);
        }
        return t;
    }

    /**
     * Declares a struct type from an FFM {@link StructLayout}: its {@code ADDRESS} members are
     * counted references to other objects of this heap (0 = NULL), the rest plain data. The
     * payload is laid out exactly as {@code layout} says, from offset 16 of the object. A type with
     * at least one reference is a container (it carries a GC head).
     *
     * @throws IllegalArgumentException when the name is taken or the layout cannot be stored
     * @throws HeapExhaustedException when there is no room for the type's name; nothing is defined
     *         then, and the name stays free
     */
    public StructType defineStruct(String name, StructLayout layout) {
        return defineStruct(name, layout, StructOptions.DEFAULT);
    }

    /**
     * Declares a struct type with options: a finalizer (the type's {@code __del__}, run at most once
     * per object when it dies, by count or in a cycle) and whether instances can be weakly referenced
     * (a hidden 8-byte slot after the layout, as {@code __weakref__}). A type with a finalizer is a
     * container even without references, so that its objects carry the FINALIZED bit.
     */
    public StructType defineStruct(String name, StructLayout layout, StructOptions options) {
        checkOwner();
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a struct type needs a name");
        }
        if (typeArea.byName(name) != null) {
            throw new IllegalArgumentException("a type named '" + name + "' already exists in heap #" + id);
        }
        if (options == null) {
            throw new IllegalArgumentException("options must not be null (use StructOptions.DEFAULT)");
        }
        long layoutBytes = (layout == null ? 0 : layout.byteSize() + 7) & -8L;
        long weaklistoffset = options.weakrefable() ? HEADER_SIZE + layoutBytes : 0;
        // read-only fields: one more hidden word, after the weakref slot, set when an instance is shared
        long payload = layoutBytes + (options.weakrefable() ? 8 : 0) + (options.readOnly().isEmpty() ? 0 : 8);
        StructType st = StructType.fromLayout(this, name, layout, payload, options);
        int flags = 0;
        if (st.refOffsets().length > 0 || options.finalizer() != null) {
            flags |= FLAG_HAVE_GC;
        }
        if (options.finalizer() != null) {
            flags |= FLAG_HAVE_FINALIZER;
        }
        // All or nothing: the name is the one allocation that can run out of memory, and the type is
        // registered the moment newTypeObject returns, so the name comes first and goes if that fails.
        long nameStr = newStrNoCheck(name);
        long t;
        try {
            t = newTypeObject(name, KIND_STRUCT, flags, HEADER_SIZE + payload, 0, st.refOffsets(), weaklistoffset,
                    options.finalizer());
        } catch (RuntimeException e) {
            decrefNoCheck(nameStr);
            throw e;
        }
        putLong(t + TP_NAME, immortal(nameStr));
        st.bind(typeArea.byId(getInt(t + TP_ID)));
        return st;
    }

    // ================================================================== atomic built-ins

    /** The None singleton (immortal). */
    public long none() {
        return none;
    }

    /** The True or False singleton (immortal). */
    public long bool(boolean value) {
        return value ? pyTrue : pyFalse;
    }

    /** A new int; -5..256 return the immortal cached object, as CPython does. */
    public long newInt(long value) {
        checkOwner();
        if (value >= -NSMALLNEGINTS && value < NSMALLPOSINTS) {
            return smallInts[(int) value + NSMALLNEGINTS];
        }
        long o = allocObject(intType, HEADER_SIZE + 8, false);
        putLong(o + VALUE, value);
        return o;
    }

    /** The value of an int (or bool: True is 1). */
    public long intValue(long obj) {
        checkOwner();
        checkLive(obj);
        long t = getLong(obj + TYPE);
        if (t != intType && t != boolType) {
            throw wrongType(obj, "int");
        }
        return getLong(obj + VALUE);
    }

    /**
     * A new float holding {@code value} (an owned reference).
     *
     * @param value the value
     * @return the new object, count 1
     */
    public long newFloat(double value) {
        checkOwner();
        long o = allocObject(floatType, HEADER_SIZE + 8, false);
        seg.set(JAVA_DOUBLE, o + VALUE - base, value);
        return o;
    }

    /**
     * The value of a float.
     *
     * @param obj a live float
     * @return its value
     * @throws WrongTypeException if {@code obj} is not a float
     */
    public double floatValue(long obj) {
        checkOwner();
        checkType(obj, floatType, "float");
        return seg.get(JAVA_DOUBLE, obj + VALUE - base);
    }

    /** Whether {@code obj} is True (or False). */
    public boolean boolValue(long obj) {
        checkOwner();
        checkType(obj, boolType, "bool");
        return obj == pyTrue;
    }

    /** A new str holding {@code value} as UTF-8, its hash computed now and cached. */
    public long newStr(String value) {
        checkOwner();
        if (value == null) {
            throw new IllegalArgumentException("value must not be null (use none() for None)");
        }
        return newStrNoCheck(value);
    }

    private long newStrNoCheck(String value) {
        return newBytesLike(strType, StrCodec.encode(value));
    }

    /**
     * The text of a str: exactly the String it was made from, lone surrogates included (StrCodec
     * stores them as Python's {@code 'surrogatepass'} does), so different Java strings are always
     * different strs and different keys.
     */
    public String strValue(long obj) {
        checkOwner();
        checkType(obj, strType, "str");
        return StrCodec.decode(bytesOf(obj));
    }

    /**
     * A new bytes object holding a copy of {@code value} (an owned reference).
     *
     * @param value the bytes, copied; not null
     * @return the new object, count 1
     */
    public long newBytes(byte[] value) {
        checkOwner();
        if (value == null) {
            throw new IllegalArgumentException("value must not be null (use none() for None)");
        }
        return newBytesLike(bytesType, value);
    }

    /**
     * A copy of the contents of a bytes object.
     *
     * @param obj a live bytes object
     * @return a new array with its bytes
     * @throws WrongTypeException if {@code obj} is not a bytes object
     */
    public byte[] bytesValue(long obj) {
        checkOwner();
        checkType(obj, bytesType, "bytes");
        return bytesOf(obj);
    }

    private long newBytesLike(long type, byte[] data) {
        long o = allocObject(type, STR_DATA + data.length, false);
        putLong(o + STR_SIZE, data.length);
        putLong(o + STR_HASH, Hashing.hashBytes(data));
        MemorySegment.copy(data, 0, seg, JAVA_BYTE, o + STR_DATA - base, data.length);
        return o;
    }

    private byte[] bytesOf(long obj) {
        int n = (int) getLong(obj + STR_SIZE);
        byte[] out = new byte[n];
        MemorySegment.copy(seg, JAVA_BYTE, obj + STR_DATA - base, out, 0, n);
        return out;
    }

    /** Operations on lists. */
    public Lists lists() {
        return lists;
    }

    /** Operations on dicts. */
    public Dicts dicts() {
        return dicts;
    }

    /** Operations on tuples. */
    public Tuples tuples() {
        return tuples;
    }

    /** The collector's controls: CPython's {@code gc} module. */
    public Gc gc() {
        return gc;
    }

    /** Weak references: CPython's {@code weakref} module. */
    public WeakRefs weakrefs() {
        return weakRefs;
    }

    WeakRefs weakRefs() {
        return weakRefs;
    }

    Gc gcFace() {
        return gc;
    }

    Collector collector() {
        return collector;
    }

    /** Shorthand for {@code lists().newList()}. */
    public long newList() {
        return lists.newList();
    }

    /** Shorthand for {@code dicts().newDict()}. */
    public long newDict() {
        return dicts.newDict();
    }

    /** Shorthand for {@code tuples().newTuple(items)}. */
    public long newTuple(long... items) {
        return tuples.newTuple(items);
    }

    /** An owning handle that takes over the caller's reference to {@code obj} (no incref). */
    public Ref own(long obj) {
        checkOwner();
        checkLive(obj);
        return new Ref(this, obj);
    }

    /** An owning handle on a new reference to {@code obj} (increfs it). */
    public Ref share(long obj) {
        incref(obj);
        return new Ref(this, obj);
    }

    // ================================================================== other threads (org.refheap.share)

    /** Other threads' queued increfs and decrefs; null until the first object is shared (one null check per allocation). */
    org.refheap.share.RemoteRefs remote;

    /**
     * A handle on a new reference to the immutable {@code obj} (int, float, str, bytes, None, bool,
     * tuples of those) that any thread may hold, read, duplicate and close; see docs/THREADS.md.
     *
     * @throws WrongTypeException when {@code obj} is mutable (a list, a dict, a struct) or holds something mutable
     */
    public org.refheap.share.SharedRef shareAcross(long obj) {
        checkOwner();
        return remoteRefs().share(obj, false);
    }

    /** As {@link #shareAcross}, but the handle takes over the caller's reference (no incref). */
    public org.refheap.share.SharedRef handOff(long obj) {
        checkOwner();
        return remoteRefs().share(obj, true);
    }

    /**
     * Applies every increment and decrement other threads have queued (allocations and collections
     * do it too); returns how many shared references are still open after it.
     */
    public long drainRemote() {
        checkOwner();
        return remote == null ? 0 : remote.drain();
    }

    private org.refheap.share.RemoteRefs remoteRefs() {
        if (remote == null) {
            remote = new org.refheap.share.RemoteRefs(new ShareDoor(this), reservation.isShared());
            hooksChanged(); // allocations now drain the other threads' queue
        }
        return remote;
    }

    // ================================================================== self-checks and test hooks

    /**
     * Run {@link #verify()} before and after every collection and after every pause-bounded cycle
     * ({@code -Drefheap.verify=true}, like HotSpot's VerifyBeforeGC/VerifyAfterGC; tests may set it).
     */
    static volatile boolean verifyAlways = Settings.VERIFY;

    /**
     * A full consistency check, like HotSpot's {@code -XX:+VerifyBeforeGC}: generation lists well
     * formed and complete, no collector flag left between collections, every reference held by a
     * container pointing at a live object whose count is at least the references the heap holds to
     * it, weakrefs linked both ways, and the figures exact. O(heap) time and 8 bytes of Java heap per
     * object and per reference: for tests and for hunting a corruption, not for hot loops.
     *
     * @throws HeapCorruptedException naming the first inconsistency found
     * @throws IllegalStateException  when called from inside a collection, a finalizer or a callback
     */
    public void verify() {
        checkOwner();
        if (draining || collector.collecting || userCodeDepth > 0) {
            throw new IllegalStateException("heap #" + id + " cannot be verified from inside a finalizer, a weakref"
                    + " callback or a collection: objects are in the middle of being freed");
        }
        new HeapVerifier(this).run();
    }

    /** The first type object's address (tests: an address in the type area). */
    long typeBlockForTest() {
        return typeBlock;
    }

    /** For verify: the type area's block, and the live objects of type {@code tid}. */
    long typeAreaBlock() {
        return typeArea.block();
    }

    long liveObjectsOfType(int tid) {
        return liveByType[tid];
    }

    int typeCount() {
        return typeArea.count();
    }

    String typeNameById(int tid) {
        return typeArea.byId(tid).name;
    }

    /** heap.verify() when -Drefheap.verify asks; {@code generation} (-1: none) ends the message, built only on a failure. */
    void verifyIfAsked(String when, int generation) {
        if (verifyAlways && !draining && userCodeDepth == 0) {
            try {
                new HeapVerifier(this).run();
            } catch (HeapCorruptedException e) {
                throw new HeapCorruptedException(when + (generation < 0 ? "" : " " + generation) + ": " + e.getMessage());
            }
        }
    }

    /** A test's fault injector, or null: it may throw at any point named in {@link #fault}. */
    private FaultHook faults;

    /** Installs a test's fault injector (null removes it). */
    void setFaults(FaultHook hook) {
        faults = hook;
        hooksChanged();
    }

    /**
     * Whether an allocation or a free must do more than take or give back a block: debug mode, a
     * fault injector, other threads' queued count changes (org.refheap.share: drained at every
     * allocation once the first object is shared), an allocation listener. One flag, so that the fast
     * paths test once; every assignment of those fields goes through {@link #hooksChanged}.
     */
    private boolean hooked;

    private void hooksChanged() {
        hooked = debug || faults != null || remote != null || allocListener != null;
    }

    /** Told of every block allocated and freed (tracemalloc), or null: one compare per block when off. */
    private AllocationListener allocListener;

    /**
     * Installs {@code listener} (null removes it): from now on it is told of every object and raw block
     * this heap allocates and frees. One per heap; {@code org.refheap.trace.Tracemalloc} is the user.
     */
    public void setAllocationListener(AllocationListener listener) {
        checkOwner();
        if (listener != null && allocListener != null && allocListener != listener) {
            throw new IllegalStateException("heap #" + id + " already has an allocation listener (" + allocListener
                    + "); remove it first");
        }
        allocListener = listener;
        hooksChanged();
    }

    /** The listener {@link #setAllocationListener} installed, or null. */
    public AllocationListener allocationListener() {
        checkOwner();
        return allocListener;
    }

    /** A point where a test may inject an exception ("alloc", "collect:start", "step:sweep", ...). */
    void fault(String point) {
        FaultHook f = faults;
        if (f != null) {
            f.at(point);
        }
    }

    /** The end of a pause-bounded step, for JFR and JMX; an observer's failure is reported, never thrown. */
    void observeStep(String phase, boolean done, long pause, long found, long examined) {
        try {
            org.refheap.observe.Hooks.step(this, id, alloc, phase, done, pause, found, examined);
        } catch (Throwable t) {
            unraisable("observer of heap #" + id, t);
        }
    }

    // ================================================================== types

    /** The type of a live object. */
    public PyType typeOf(long obj) {
        checkOwner();
        checkLive(obj);
        return typeArea.byId(getInt(getLong(obj + TYPE) + TP_ID));
    }

    /** The type named {@code name}, or null. */
    public PyType type(String name) {
        checkOwner();
        return typeArea.byName(name);
    }


    String typeName(long type) {
        return typeArea.name(type);
    }

    // ================================================================== figures

    /** Live objects, immortal ones not counted. */
    public long liveObjects() {
        long n = 0;
        long[] byType = liveByType;
        for (int i = typeArea.count() - 1; i >= 0; i--) {
            n += byType[i];
        }
        return n;
    }

    /** Bytes of blocks in use (objects and their item blocks), immortal objects and types not counted. */
    public long bytesInUse() {
        return alloc.bytesInUse() - immortalBytes;
    }

    /** A snapshot of every figure; allocates, so not for hot loops. */
    public HeapStats stats() {
        checkOwner();
        Map<String, Long> byType = new LinkedHashMap<>();
        for (int i = 0; i < typeArea.count(); i++) {
            if (liveByType[i] != 0) {
                byType.put(typeArea.byId(i).name, liveByType[i]);
            }
        }
        long[] blocks = new long[org.refheap.alloc.SizeClasses.NB_SMALL_SIZE_CLASSES];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = alloc.blocksInUse(i);
        }
        return new HeapStats(liveObjects(), byType, bytesInUse(), alloc.peakBytesInUse() - immortalBytes,
                alloc.bytesCommitted(), alloc.arenasInUse(), alloc.arenasReleased(), alloc.arenasAllocated(),
                blocks, alloc.largeRunsInUse(), alloc.largeBytesInUse(), alloc.limitBytes());
    }

    /** Live objects of the type named {@code name} (0 if no such type). */
    public long liveObjects(String typeName) {
        PyType t = typeArea.byName(typeName);
        return t == null ? 0 : liveByType[t.id];
    }

    /**
     * Registers this heap's {@link org.refheap.observe.RefHeapMXBean} with the platform MBean server
     * as {@code org.refheap:type=Heap,id=<n>} (once; {@link #close()} unregisters it) and publishes the
     * current figures. JMX reads come from other threads, so they are served from figures this thread
     * publishes: at the end of every collection and pause-bounded step, and on each call of this
     * method (call it again to refresh). See docs/OBSERVE.md.
     */
    public javax.management.ObjectName registerMXBean() {
        checkOwner();
        return org.refheap.observe.Hooks.registerMXBean(this, id, alloc);
    }

    // ================================================================== close

    /**
     * Frees everything at once: the whole reservation is unmapped. Any later use of this heap or of
     * an address from it is an {@link IllegalStateException}. Closing twice is allowed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOwner();
        if (draining || collector.collecting || userCodeDepth > 0) {
            throw new IllegalStateException("heap #" + id + " cannot be closed from inside a finalizer, a weakref"
                    + " callback or a collection: the heap is in the middle of freeing objects");
        }
        try {
            org.refheap.weak.Finalize.exitFunc(this, this::unraisable); // weakref.finalize's atexit (LEAKS.md)
        } catch (RuntimeException e) {
            unraisable("weakref.finalize at close of heap #" + id, e);
        }
        try {
            LeakReport.atClose(this, Settings.LEAK_REPORT, System.err); // -Drefheap.leakReport
        } catch (RuntimeException e) {
            unraisable("leak report of heap #" + id, e); // a report must never keep the memory
        }
        closed = true;
        openOwner = null;
        if (remote != null) {
            remote.heapClosed(); // outstanding SharedRefs now refuse every read (docs/THREADS.md)
        }
        synchronized (OPEN) {
            OPEN.remove(this);
        }
        try {
            org.refheap.observe.Hooks.heapClosed(this); // unregisters the MXBean, if any
        } finally {
            reservation.close(); // the memory goes whatever an observer does
        }
    }

    /**
     * Whether {@link #close()} has run: every later use of the heap then throws
     * {@link IllegalStateException}.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Heap#" + id + (closed ? "(closed)" : "[0x" + Long.toHexString(base) + ", 0x" + Long.toHexString(limit)
                + "), " + liveObjects() + " live objects, " + bytesInUse() + " bytes in use");
    }

    // ================================================================== checks

    /** On every public call: the owner thread, an open heap. Small, so that it inlines everywhere. */
    void checkOwner() {
        if (Thread.currentThread() != openOwner) {
            throw ownerOrClosed();
        }
    }

    private RuntimeException ownerOrClosed() {
        if (Thread.currentThread() != owner) {
            return new WrongThreadException("heap #" + id + " belongs to thread '" + owner.getName()
                    + "'; it was used from thread '" + Thread.currentThread().getName() + "' (only the owner"
                    + " mutates or reads containers; to read an immutable object elsewhere, have the owner pass"
                    + " a heap.shareAcross(obj) handle)");
        }
        return new IllegalStateException("heap #" + id + " is closed");
    }

    /**
     * Per-call validation off ({@code -Drefheap.disableChecks=true}, read once so that the JIT folds
     * it, like Agrona's {@code agrona.disable.bounds.checks}): {@code incref}, {@code decref} and
     * struct field access then trust the address they are given. Every access still goes through the
     * heap's segment, so a bad address is at worst an exception or a corrupted heap, never a crash of
     * the JVM; {@code checkOwner} still refuses other threads (the segment is shared since issue 10)
     * and the segment a closed heap.
     */
    static final boolean UNCHECKED = Settings.DISABLE_CHECKS;

    /**
     * The count of {@code obj} when it is plainly a live object: 16-aligned, inside the heap, its
     * ob_type a type object, its count in [1, countLimit) or immortal, and no slow check asked for
     * (debug mode, condemned objects about). 0 otherwise, and the caller's slow path decides and
     * names the problem. Two reads of the header and one of a Java array, no call.
     */
    long quickCount(long obj) {
        long off = obj - base;
        if (Long.compareUnsigned(off, span) > 0 || (obj & 15) != 0 || slowChecks) {
            return 0;
        }
        long rc = seg.get(LONG, off);
        long t = seg.get(LONG, off + TYPE) - typeBlock;
        if ((t & TypeArea.OFFSET_MASK) != 0 || typeSlots[(int) (t >>> 4)] == 0) {
            return 0;
        }
        return Long.compareUnsigned(rc - 1, countLimit - 1) < 0 || rc >= IMMORTAL ? rc : 0;
    }

    /** Checks that {@code obj} is a live object of this heap and returns its count. */
    long checkLive(long obj) {
        long rc = liveCount(obj);
        if (rc > 0) {
            return rc;
        }
        throw badObject(obj, rc);
    }

    private long checkLiveForDecref(long obj) {
        long rc = liveCount(obj);
        if (rc > 0) {
            return rc;
        }
        throw diagnostics.badDecref(obj, rc);
    }

    /**
     * The count of {@code obj} if it is a live object of this heap; 0 for an address that holds no
     * object; -1 when it is not even aligned or in range; {@link #FREED} for a freed object.
     */
    private long liveCount(long obj) {
        if (!inRange(obj) || (obj & 15) != 0) {
            return -1;
        }
        long off = obj - base;
        long rc = seg.get(LONG, off);
        long type = seg.get(LONG, off + TYPE);
        if (!isTypeObject(type)) {
            // Freed objects have their type word overwritten; debug mode poisons the whole block.
            return isFreedType(type) || debug && (type == DEAD_WORD || rc == DEAD_WORD) ? FREED : 0;
        }
        if (rc <= 0) {
            return FREED;
        }
        if (rc >= countLimit && rc < IMMORTAL) {
            return 0; // an address where a count should be: an item that looks like a header
        }
        if (debug && !debugVerify(obj, type)) {
            return 0;
        }
        if (condemnedVisible && (typeInfo(type) & SLOT_GC) != 0 && collector.inc.isCondemned(obj)) {
            return CONDEMNED;
        }
        return rc;
    }

    /** Whether a header at {@code obj} would lie inside the reservation; no overflow for any long. */
    boolean inRange(long obj) {
        return Long.compareUnsigned(obj - base, span) <= 0;
    }

    private boolean debugVerify(long obj, long type) {
        boolean gc = (getInt(type + TP_FLAGS) & FLAG_HAVE_GC) != 0;
        return alloc.isAllocated(gc ? obj - GC_HEAD_SIZE : obj) || getLong(obj) >= IMMORTAL;
    }

    boolean isTypeObject(long t) {
        return typeArea.isTypeObject(t);
    }

    /**
     * Checks that {@code obj} is a live object of exactly {@code type}. Two reads: an address whose
     * ob_type word is a known type's address and whose count is in [1, countLimit) is taken for an
     * instance (debug mode also asks the allocator; immortal objects take the slow path). Anything
     * else goes to the slow path for its message.
     */
    void checkType(long obj, long type, String expected) {
        long off = obj - base;
        if (Long.compareUnsigned(off, span) <= 0 && (obj & 15) == 0
                && seg.get(LONG, off + TYPE) == type
                && Long.compareUnsigned(seg.get(LONG, off) - 1, countLimit - 1) < 0 && !slowChecks) {
            return;
        }
        checkTypeSlow(obj, type, expected);
    }

    /**
     * Whether checks must take the slow path: debug mode, or condemned objects exist (a pause-bounded
     * cycle between its mark and its end), whose addresses the program must not use.
     */
    private boolean slowChecks;
    /** Set between the steps of a pause-bounded cycle whose marking is complete. */
    private boolean condemnedVisible;

    /** The pause-bounded collector says whether the program may now meet condemned addresses. */
    void setCondemnedVisible(boolean on) {
        condemnedVisible = on;
        slowChecks = debug || on;
    }

    private void checkTypeSlow(long obj, long type, String expected) {
        checkLive(obj);
        if (getLong(obj + TYPE) != type) {
            throw wrongType(obj, expected);
        }
    }

    /**
     * Checks a value about to be stored in {@code container} (0 for one not yet made): it must be a
     * live object of this heap. The message is built only on failure: this is on every store.
     */
    void checkValue(long value, long container) {
        if (quickCount(value) > 0) {
            return;
        }
        long rc = liveCount(value);
        if (rc <= 0) {
            throw diagnostics.cannotStore(value, rc, container);
        }
    }

    /** Checks a key looked up in {@code dict} (get, contains, remove): a live object of this heap. */
    void checkKey(long key, long dict) {
        if (quickCount(key) > 0) {
            return;
        }
        long rc = liveCount(key);
        if (rc <= 0) {
            throw diagnostics.cannotLookUp(key, rc, dict);
        }
    }

    RefHeapException badObject(long obj, long rc) {
        return diagnostics.badObject(obj, rc);
    }

    WrongTypeException wrongType(long obj, String expected) {
        return diagnostics.wrongType(obj, expected);
    }

    /** "0x7f3a00001040 (type list, refcount 2)", safe on any address. */
    String describe(long obj) {
        return diagnostics.describe(obj);
    }

    // ================================================================== memory access (no checks)

    long getLong(long address) {
        return seg.get(LONG, address - base);
    }

    void putLong(long address, long value) {
        seg.set(LONG, address - base, value);
    }

    int getInt(long address) {
        return seg.get(INT, address - base);
    }

    void putInt(long address, int value) {
        seg.set(INT, address - base, value);
    }

    boolean isContainerType(long type) {
        return (typeInfo(type) & SLOT_GC) != 0;
    }

    /**
     * What the collector needs of a type on every edge it follows, from a Java array instead of the
     * type object: SLOT_GC set for containers, the kind in SLOT_KIND. {@code type} must be a type.
     */
    int typeInfo(long type) {
        return typeSlots[(int) ((type - typeBlock) >>> 4)];
    }

}
