package org.refheap;

import static org.refheap.layout.BuiltinLayouts.TUPLE_ITEMS;
import static org.refheap.layout.BuiltinLayouts.TUPLE_SIZE;

/** Operations on tuples: immutable, items set once at creation. Get one from {@link Heap#tuples()}. */
public final class Tuples {
    private final Heap heap;
    private final long tupleType;

    Tuples(Heap heap) {
        this.heap = heap;
        this.tupleType = heap.tupleType;
    }

    /**
     * A new tuple holding {@code items} (each incref'd). {@code ()} is the immortal empty tuple.
     * Every item is checked before anything is allocated.
     */
    public long newTuple(long... items) {
        heap.checkOwner();
        if (items == null) {
            throw new IllegalArgumentException("items must not be null (an empty array makes ())");
        }
        for (long item : items) {
            heap.checkValue(item, 0);
        }
        if (items.length == 0) {
            return heap.emptyTuple;
        }
        long t = heap.allocObject(tupleType, TUPLE_ITEMS + 8L * items.length, true);
        heap.putLong(t + TUPLE_SIZE, items.length);
        boolean mayBeInCycle = false;
        for (int i = 0; i < items.length; i++) {
            heap.increfNoCheck(items[i]);
            heap.putLong(t + TUPLE_ITEMS + 8L * i, items[i]);
            mayBeInCycle |= mayBeTracked(items[i]);
        }
        if (mayBeInCycle) {
            heap.track(t);
        }
        return t;
    }

    /**
     * CPython's {@code _PyObject_GC_MAY_BE_TRACKED}: atoms never are, a tuple is when it is tracked,
     * every other container may be. A tuple of items that may not be tracked can never be part of a
     * cycle, so it is not tracked at all (the 3.14.1+ rule, GH-140262); its items are fixed, so the
     * decision never has to be revisited.
     */
    private boolean mayBeTracked(long item) {
        long type = heap.getLong(item + 8);
        if (!heap.isContainerType(type)) {
            return false;
        }
        return type != tupleType || heap.collector().isTracked(item);
    }

    /**
     * The number of items in {@code tuple} ({@code len(t)}).
     *
     * @param tuple a live tuple
     * @return its item count
     */
    public long size(long tuple) {
        check(tuple);
        return heap.getLong(tuple + TUPLE_SIZE);
    }

    /** The item at {@code index}: a borrowed reference. */
    public long get(long tuple, long index) {
        check(tuple);
        long n = heap.getLong(tuple + TUPLE_SIZE);
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for tuple 0x"
                    + Long.toHexString(tuple) + " of size " + n);
        }
        return heap.getLong(tuple + TUPLE_ITEMS + 8 * index);
    }

    private void check(long tuple) {
        heap.checkOwner();
        heap.checkType(tuple, tupleType, "tuple");
    }
}
