package org.refheap;

import java.util.Arrays;

import static org.refheap.layout.BuiltinLayouts.*;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.TP_WEAKLISTOFFSET;

/**
 * Weak references as heap objects (CPython's {@code weakref.ref}): a weakref reads as its referent
 * while the referent lives and as None after; its callback, if any, runs when the referent dies,
 * provided the weakref itself is still alive. Only instances of struct types declared with
 * {@link StructOptions#withWeakrefs()} can be weakly referenced (as only objects with a
 * {@code __weakref__} slot can in Python).
 *
 * <p>The weakrefs to one object form a doubly linked list headed by the object's hidden weaklist slot
 * ({@code tp_weaklistoffset}); a weakref is a tracked container without strong references, so the
 * collector can tell when a weakref is itself garbage (and then must not call its callback).
 * Get this from {@link Heap#weakrefs()}.
 */
public final class WeakRefs {
    private final Heap heap;
    private final long weakrefType;
    private WeakCallback[] callbacks = new WeakCallback[16];
    private int[] freeIds = new int[16];
    private int freeCount;
    private int nextId = 1; // 0 means "no callback"

    WeakRefs(Heap heap) {
        this.heap = heap;
        this.weakrefType = heap.weakrefType;
    }

    /** {@code weakref.ref(obj)}: a new weakref to {@code obj} with no callback. */
    public long ref(long obj) {
        return ref(obj, null);
    }

    /**
     * {@code weakref.ref(obj, callback)}: a new weakref (count 1) to {@code obj}. The callback is
     * called with the weakref when {@code obj} dies, if the weakref is alive then.
     *
     * @throws WrongTypeException when {@code obj}'s type does not support weak references
     */
    public long ref(long obj, WeakCallback callback) {
        heap.checkOwner();
        heap.checkLive(obj);
        long type = heap.getLong(obj + TYPE);
        long wlo = heap.getLong(type + TP_WEAKLISTOFFSET);
        if (wlo == 0) {
            // CPython's TypeError, word for word, then what to do about it.
            String name = heap.typeName(type);
            throw new WrongTypeException("cannot create weak reference to '" + name + "' object ("
                    + heap.describe(obj) + (heap.getInt(type + org.refheap.layout.TypeLayout.TP_KIND) == org.refheap.layout.TypeLayout.KIND_STRUCT
                            ? "): declare struct type '" + name + "' with StructOptions.withWeakrefs(), as a"
                                    + " __slots__ class names '__weakref__'"
                            : "): as in CPython, only instances of types with a __weakref__ slot can be weakly"
                                    + " referenced, which here are struct types declared withWeakrefs()"));
        }
        long wr = heap.allocObject(weakrefType, WR_BASICSIZE, true);
        long head = heap.getLong(obj + wlo);
        heap.putLong(wr + WR_OBJECT, obj);
        heap.putLong(wr + WR_CALLBACK, callback == null ? 0 : register(callback));
        heap.putLong(wr + WR_NEXT, head);
        heap.putLong(wr + WR_PREV, 0);
        if (head != 0) {
            heap.putLong(head + WR_PREV, wr);
        }
        heap.putLong(obj + wlo, wr);
        heap.track(wr);
        return wr;
    }

    /**
     * {@code wr()}: the referent (a borrowed reference), or None once it died. A referent that the
     * pause-bounded cycle under way has found unreachable reads as dead already (CPython clears such
     * weakrefs before anything can see the object): the weakref is cleared, and its callback called,
     * when the collector reaches the object.
     */
    public long get(long wr) {
        check(wr);
        long target = referent(wr);
        return target == 0 ? heap.none() : target;
    }

    /** Whether the referent is still alive (false too once the collector condemned it; see {@link #get}). */
    public boolean isAlive(long wr) {
        check(wr);
        return referent(wr) != 0;
    }

    private long referent(long wr) {
        long target = heap.getLong(wr + WR_OBJECT);
        if (target != 0 && heap.collector().inc.isCondemned(target)) {
            return 0;
        }
        return target;
    }

    /**
     * Whether {@code obj} can be weakly referenced: its type has a weakref list (a {@code __weakref__}
     * slot), which only struct types declared {@link StructOptions#withWeakrefs()} have; no built-in
     * type does, as in CPython (int, str, tuple, list, dict, weakref: see docs/GC.md).
     *
     * @param obj a live object of this heap
     * @return true if {@link #ref} accepts it
     */
    public boolean isWeakReferenceable(long obj) {
        heap.checkOwner();
        heap.checkLive(obj);
        return heap.getLong(heap.getLong(obj + TYPE) + TP_WEAKLISTOFFSET) != 0;
    }

    /** {@code weakref.getweakrefcount(obj)}: how many weakrefs point at {@code obj}. */
    public long getweakrefcount(long obj) {
        return getweakrefs(obj).length;
    }

    /** {@code weakref.getweakrefs(obj)}: the weakrefs pointing at {@code obj}, newest first. */
    public long[] getweakrefs(long obj) {
        heap.checkOwner();
        heap.checkLive(obj);
        long wlo = heap.getLong(heap.getLong(obj + TYPE) + TP_WEAKLISTOFFSET);
        if (wlo == 0) {
            return new long[0];
        }
        long[] out = new long[4];
        int n = 0;
        for (long wr = heap.getLong(obj + wlo); wr != 0; wr = heap.getLong(wr + WR_NEXT)) {
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = wr;
        }
        return Arrays.copyOf(out, n);
    }

    // ------------------------------------------------------------------ internal

    /** Unlinks {@code wr} from its referent's list and makes it read as None; keeps the callback. */
    void clearRef(long wr) {
        long target = heap.getLong(wr + WR_OBJECT);
        if (target == 0) {
            return;
        }
        long next = heap.getLong(wr + WR_NEXT);
        long prev = heap.getLong(wr + WR_PREV);
        if (prev == 0) {
            long wlo = heap.getLong(heap.getLong(target + TYPE) + TP_WEAKLISTOFFSET);
            heap.putLong(target + wlo, next);
        } else {
            heap.putLong(prev + WR_NEXT, next);
        }
        if (next != 0) {
            heap.putLong(next + WR_PREV, prev);
        }
        heap.putLong(wr + WR_OBJECT, 0);
        heap.putLong(wr + WR_NEXT, 0);
        heap.putLong(wr + WR_PREV, 0);
    }

    /** The weakref itself dies: off its referent's list, and its callback forgotten. */
    void dispose(long wr) {
        clearRef(wr);
        int id = (int) heap.getLong(wr + WR_CALLBACK);
        if (id != 0) {
            heap.putLong(wr + WR_CALLBACK, 0);
            callbacks[id] = null;
            if (freeCount == freeIds.length) {
                freeIds = Arrays.copyOf(freeIds, freeCount * 2);
            }
            freeIds[freeCount++] = id;
        }
    }

    /**
     * {@code obj} is dying by reference count (its count is already 0): clear every weakref to it,
     * then call the callbacks of those that have one, each weakref kept alive during its call
     * (CPython's {@code PyObject_ClearWeakRefs}). All are cleared before any callback runs.
     */
    void clearAndCallback(long obj, long type) {
        long wlo = heap.getLong(type + TP_WEAKLISTOFFSET);
        long first = heap.getLong(obj + wlo);
        if (first == 0) {
            return;
        }
        long[] toCall = null;
        int n = 0;
        for (long wr = first; wr != 0; wr = heap.getLong(obj + wlo)) {
            clearRef(wr);
            // A weakref that is itself garbage of the collection under way (condemned by a
            // pause-bounded cycle between its steps) is cleared, but its callback never runs: nothing
            // may see a garbage object again, as for the weakrefs a collection clears itself.
            if (heap.getLong(wr + WR_CALLBACK) != 0 && !heap.collector().isGarbage(wr)) {
                if (toCall == null) {
                    toCall = new long[4];
                } else if (n == toCall.length) {
                    toCall = Arrays.copyOf(toCall, n * 2);
                }
                heap.increfNoCheck(wr);
                toCall[n++] = wr;
            }
        }
        for (int i = 0; i < n; i++) {
            invokeCallback(toCall[i]);
            heap.decrefNoCheck(toCall[i]);
        }
    }

    void invokeCallback(long wr) {
        int id = (int) heap.getLong(wr + WR_CALLBACK);
        if (id == 0) {
            return;
        }
        WeakCallback cb = callbacks[id];
        heap.userCodeDepth++;
        try {
            cb.onDeath(wr);
        } catch (Throwable t) {
            try {
                heap.unraisable("weakref callback of " + heap.describe(wr), t);
            } catch (Throwable ignored) {
                // Even building the report can fail (a stack overflow): the heap must not.
            }
        } finally {
            heap.userCodeDepth--;
        }
    }

    private int register(WeakCallback cb) {
        int id;
        if (freeCount > 0) {
            id = freeIds[--freeCount];
        } else {
            id = nextId++;
            if (id == callbacks.length) {
                callbacks = Arrays.copyOf(callbacks, id * 2);
            }
        }
        callbacks[id] = cb;
        return id;
    }

    private void check(long wr) {
        heap.checkOwner();
        heap.checkType(wr, weakrefType, "weakref");
    }
}
