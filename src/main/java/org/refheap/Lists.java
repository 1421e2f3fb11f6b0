package org.refheap;

import java.lang.foreign.MemorySegment;

import static org.refheap.layout.BuiltinLayouts.LIST_ALLOCATED;
import static org.refheap.layout.BuiltinLayouts.LIST_BASICSIZE;
import static org.refheap.layout.BuiltinLayouts.LIST_ITEMS;
import static org.refheap.layout.BuiltinLayouts.LIST_SIZE;

/**
 * Operations on list objects, by address. A list holds counted references to objects (never NULL:
 * store {@link Heap#none()} for "nothing"); its items live in a separate raw block that grows by
 * CPython's rule (about 1/8 over the need, so appends are amortised O(1)) and shrinks when less than
 * half is used (if the heap has room for the smaller block: a removal never fails for want of
 * memory). Get one from {@link Heap#lists()}.
 */
public final class Lists {
    private final Heap heap;
    private final long listType;

    Lists(Heap heap) {
        this.heap = heap;
        this.listType = heap.listType;
    }

    /** A new empty list with count 1. */
    public long newList() {
        return newList(0);
    }

    /**
     * A new empty list with count 1 and room for {@code capacity} items: appends up to that many
     * never copy the items (growth copies them all, as in CPython, in one operation). As in CPython,
     * popping below half of the room may shrink it again.
     */
    public long newList(long capacity) {
        heap.checkOwner();
        if (capacity < 0 || capacity > (1L << 40)) {
            throw new IllegalArgumentException("list capacity " + capacity + " is out of range [0, 2^40]");
        }
        long items = capacity == 0 ? 0 : heap.mallocRaw(8 * capacity);
        long l;
        try {
            l = heap.allocObject(listType, LIST_BASICSIZE, true);
        } catch (RuntimeException | Error e) {
            if (items != 0) {
                heap.freeRaw(items);
            }
            throw e;
        }
        heap.putLong(l + LIST_SIZE, 0);
        heap.putLong(l + LIST_ALLOCATED, capacity);
        heap.putLong(l + LIST_ITEMS, items);
        heap.track(l);
        return l;
    }

    /**
     * The number of items in {@code list} ({@code len(l)}).
     *
     * @param list a live list
     * @return its item count
     */
    public long size(long list) {
        check(list);
        return heap.getLong(list + LIST_SIZE);
    }

    /** The item at {@code index}: a borrowed reference (not incref'd). */
    public long get(long list, long index) {
        check(list);
        checkIndex(list, index);
        return heap.getLong(heap.getLong(list + LIST_ITEMS) + 8 * index);
    }

    /** Replaces the item at {@code index}: increfs {@code value}, then decrefs the old item. */
    public void set(long list, long index, long value) {
        check(list);
        checkIndex(list, index);
        heap.checkValue(value, list);
        heap.increfNoCheck(value);
        long slot = heap.getLong(list + LIST_ITEMS) + 8 * index;
        long old = heap.getLong(slot);
        heap.putLong(slot, value);
        heap.decrefNoCheck(old);
    }

    /** Appends {@code value} (incref'd). */
    public void append(long list, long value) {
        check(list);
        heap.checkValue(value, list);
        long n = heap.getLong(list + LIST_SIZE);
        if (n == heap.getLong(list + LIST_ALLOCATED)) {
            resize(list, n + 1);
        }
        heap.increfNoCheck(value);
        heap.putLong(heap.getLong(list + LIST_ITEMS) + 8 * n, value);
        heap.putLong(list + LIST_SIZE, n + 1);
    }

    /** Inserts {@code value} before {@code index} (0..size). */
    public void insert(long list, long index, long value) {
        check(list);
        long n = heap.getLong(list + LIST_SIZE);
        if (index < 0 || index > n) {
            throw new IndexOutOfBoundsException("insert index " + index + " out of range for list " + hex(list)
                    + " of size " + n);
        }
        heap.checkValue(value, list);
        if (n == heap.getLong(list + LIST_ALLOCATED)) {
            resize(list, n + 1);
        }
        long items = heap.getLong(list + LIST_ITEMS);
        move(items, index, index + 1, n - index);
        heap.increfNoCheck(value);
        heap.putLong(items + 8 * index, value);
        heap.putLong(list + LIST_SIZE, n + 1);
        heap.listShifted(list, index, 1);
    }

    /**
     * Removes the item at {@code index} and returns it <em>with its reference</em>: the caller owns
     * it and must decref it (as Python's {@code list.pop} hands over the object).
     */
    public long pop(long list, long index) {
        check(list);
        checkIndex(list, index);
        long n = heap.getLong(list + LIST_SIZE);
        // The one allocation (a smaller item array) comes first: whatever it throws, nothing moved yet.
        long fresh = smallerItems(list, n - 1);
        long items = heap.getLong(list + LIST_ITEMS);
        long item = heap.getLong(items + 8 * index);
        heap.referenceMoved(item);
        move(items, index + 1, index, n - index - 1);
        heap.putLong(list + LIST_SIZE, n - 1);
        heap.listShifted(list, index, -1);
        if (fresh != 0) {
            install(list, fresh, shrunk(n - 1), n - 1);
        } else if (n == 1) {
            heap.putLong(list + LIST_ITEMS, 0);
            heap.putLong(list + LIST_ALLOCATED, 0);
            heap.freeRaw(items);
        }
        return item;
    }

    /** Removes the last item and returns it with its reference (see {@link #pop(long, long)}). */
    public long pop(long list) {
        check(list);
        long n = heap.getLong(list + LIST_SIZE);
        if (n == 0) {
            throw new IndexOutOfBoundsException("pop from empty list " + hex(list));
        }
        return pop(list, n - 1);
    }

    /** Removes the item at {@code index} and decrefs it ({@code del l[i]}). */
    public void delete(long list, long index) {
        heap.decrefNoCheck(pop(list, index));
    }

    /** Removes every item. The list is emptied before any item is decref'd. */
    public void clear(long list) {
        check(list);
        clearNoCheck(list);
    }

    void clearNoCheck(long list) {
        heap.containerReset(list);
        long n = heap.getLong(list + LIST_SIZE);
        long items = heap.getLong(list + LIST_ITEMS);
        heap.putLong(list + LIST_SIZE, 0);
        heap.putLong(list + LIST_ALLOCATED, 0);
        heap.putLong(list + LIST_ITEMS, 0);
        for (long i = 0; i < n; i++) {
            heap.decrefNoCheck(heap.getLong(items + 8 * i));
        }
        if (items != 0) {
            heap.freeRaw(items);
        }
    }

    /** Index of the first item that is {@code value} (same object), or -1. */
    public long indexOf(long list, long value) {
        check(list);
        long n = heap.getLong(list + LIST_SIZE);
        long items = heap.getLong(list + LIST_ITEMS);
        for (long i = 0; i < n; i++) {
            if (heap.getLong(items + 8 * i) == value) {
                return i;
            }
        }
        return -1;
    }

    /** CPython's list_resize growth: new capacity ~ newsize * 9/8 + 6, rounded to 4. */
    private void resize(long list, long newsize) {
        long allocated = (newsize + (newsize >> 3) + 6) & ~3L;
        reallocate(list, allocated, heap.getLong(list + LIST_SIZE));
    }

    /**
     * CPython's list_resize shrinks when less than half the slots are used: a new item array for
     * {@code newsize} items, or 0 when no shrink is due or there is no memory for one (shrinking is
     * an optimisation: the larger array serves as well).
     */
    private long smallerItems(long list, long newsize) {
        long allocated = heap.getLong(list + LIST_ALLOCATED);
        if (newsize == 0 || allocated < 16 || newsize >= allocated >> 1) {
            return 0;
        }
        try {
            return heap.mallocRaw(8 * shrunk(newsize));
        } catch (HeapExhaustedException e) {
            return 0;
        }
    }

    private static long shrunk(long newsize) {
        return (newsize + (newsize >> 3) + 6) & ~3L;
    }

    /** Moves the first {@code keep} items to {@code fresh} (of {@code allocated} slots) and frees the old array. */
    private void install(long list, long fresh, long allocated, long keep) {
        long old = heap.getLong(list + LIST_ITEMS);
        MemorySegment.copy(heap.seg, old - heap.base, heap.seg, fresh - heap.base, 8 * keep);
        heap.putLong(list + LIST_ITEMS, fresh);
        heap.putLong(list + LIST_ALLOCATED, allocated);
        heap.freeRaw(old);
    }

    private void reallocate(long list, long allocated, long keep) {
        long fresh = heap.mallocRaw(8 * allocated);
        long old = heap.getLong(list + LIST_ITEMS);
        if (old != 0) {
            MemorySegment.copy(heap.seg, old - heap.base, heap.seg, fresh - heap.base, 8 * keep);
            heap.freeRaw(old);
        }
        heap.putLong(list + LIST_ITEMS, fresh);
        heap.putLong(list + LIST_ALLOCATED, allocated);
    }

    private void move(long items, long from, long to, long count) {
        if (count > 0) {
            MemorySegment.copy(heap.seg, items + 8 * from - heap.base, heap.seg, items + 8 * to - heap.base, 8 * count);
        }
    }

    private void check(long list) {
        heap.checkOwner();
        heap.checkType(list, listType, "list");
    }

    private void checkIndex(long list, long index) {
        long n = heap.getLong(list + LIST_SIZE);
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for list " + hex(list) + " of size " + n);
        }
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
