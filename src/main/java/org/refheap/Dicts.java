package org.refheap;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.refheap.layout.BuiltinLayouts.*;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.*;

/**
 * Operations on dicts: open addressing over a power-of-two table with CPython's probe sequence
 * ({@code i = 5i + perturb + 1}, {@code perturb >>= 5}), deleted slots marked with a dummy key,
 * resized to hold {@code used * 3} when two thirds of the slots are taken. Get one from
 * {@link Heap#dicts()}.
 *
 * <p>Keys: int, float, str, bytes and tuples of those are compared and hashed by value, so two
 * different str objects with the same text find the same entry; struct instances, None and bools by
 * identity; lists and dicts are unhashable (as in Python). Unlike Python, {@code 1} and {@code 1.0}
 * (and {@code True}) are different keys. As in Python, {@code 0.0} and {@code -0.0} are the same
 * key, and a NaN key is found only through the very object stored (NaN equals nothing, but identity
 * is tried first), in a tuple too. Tuples may nest to any depth.
 */
public final class Dicts {
    private static final int MIN_SLOTS = 8;
    /** Longs per frame of {@link #stack}. */
    private static final int FRAME = 3;

    private final Heap heap;
    private final long dictType;

    /**
     * Frames of the walk over nested tuples, {@link #FRAME} longs each, shared by {@link #hashTuple}
     * and {@link #tuplesEqual}: neither runs user code or calls the other, so one is never active
     * while the other is. Kept across calls (grown, never shrunk) so that hashing a key allocates
     * nothing once the deepest key seen fits; 16 levels fit from the start.
     */
    private long[] stack = new long[16 * FRAME];

    Dicts(Heap heap) {
        this.heap = heap;
        this.dictType = heap.dictType;
    }

    /** A new empty dict with count 1. */
    public long newDict() {
        heap.checkOwner();
        long d = heap.allocObject(dictType, DICT_BASICSIZE, true);
        heap.putLong(d + DICT_USED, 0);
        heap.putLong(d + DICT_FILL, 0);
        heap.putLong(d + DICT_MASK, 0);
        heap.putLong(d + DICT_TABLE, 0);
        heap.track(d);
        return d;
    }

    /**
     * The number of items in {@code dict} ({@code len(d)}).
     *
     * @param dict a live dict
     * @return its item count
     */
    public long size(long dict) {
        check(dict);
        return heap.getLong(dict + DICT_USED);
    }

    /** The value stored under {@code key}: a borrowed reference, or 0 when the key is absent. */
    public long get(long dict, long key) {
        check(dict);
        heap.checkKey(key, dict);
        long h = hash(key);
        if (heap.getLong(dict + DICT_TABLE) == 0) {
            return 0;
        }
        long r = lookup(dict, key, h);
        return r < 0 ? 0 : heap.getLong(entry(dict, r) + ENTRY_VALUE);
    }

    /**
     * Whether {@code dict} holds {@code key} ({@code key in d}); keys compare as Python's do (by value).
     *
     * @param dict a live dict
     * @param key  a live hashable object
     * @return true if the key is present
     */
    public boolean containsKey(long dict, long key) {
        check(dict);
        heap.checkKey(key, dict);
        long h = hash(key);
        return heap.getLong(dict + DICT_TABLE) != 0 && lookup(dict, key, h) >= 0;
    }

    /**
     * {@code d[key] = value}: a new key is incref'd and stored with an incref'd value; for a key
     * already present the stored key stays and only the value is replaced (the old one decref'd
     * after the new one is in place).
     */
    public void put(long dict, long key, long value) {
        check(dict);
        heap.checkValue(key, dict);
        heap.checkValue(value, dict);
        long h = hash(key);
        if (heap.getLong(dict + DICT_TABLE) == 0) {
            resize(dict, MIN_SLOTS);
        }
        long r = lookup(dict, key, h);
        if (r >= 0) {
            long e = entry(dict, r);
            long old = heap.getLong(e + ENTRY_VALUE);
            heap.increfNoCheck(value);
            heap.putLong(e + ENTRY_VALUE, value);
            heap.decrefNoCheck(old);
            return;
        }
        long fill = heap.getLong(dict + DICT_FILL);
        long slots = heap.getLong(dict + DICT_MASK) + 1;
        if (3 * (fill + 1) > 2 * slots) {
            resize(dict, slotsFor(heap.getLong(dict + DICT_USED) * 3 + 1));
            r = lookup(dict, key, h);
        }
        long e = entry(dict, ~r);
        boolean wasEmpty = heap.getLong(e + ENTRY_KEY) == 0;
        heap.increfNoCheck(key);
        heap.increfNoCheck(value);
        heap.putLong(e + ENTRY_HASH, h);
        heap.putLong(e + ENTRY_KEY, key);
        heap.putLong(e + ENTRY_VALUE, value);
        heap.putLong(dict + DICT_USED, heap.getLong(dict + DICT_USED) + 1);
        if (wasEmpty) {
            // Read fill again: a resize above reset it to the live entries.
            heap.putLong(dict + DICT_FILL, heap.getLong(dict + DICT_FILL) + 1);
        }
    }

    /** {@code del d[key]}: removes the entry and decrefs its key and value. False when absent. */
    public boolean remove(long dict, long key) {
        check(dict);
        heap.checkKey(key, dict);
        long h = hash(key);
        if (heap.getLong(dict + DICT_TABLE) == 0) {
            return false;
        }
        long r = lookup(dict, key, h);
        if (r < 0) {
            return false;
        }
        long e = entry(dict, r);
        long k = heap.getLong(e + ENTRY_KEY);
        long v = heap.getLong(e + ENTRY_VALUE);
        heap.putLong(e + ENTRY_KEY, DUMMY);
        heap.putLong(e + ENTRY_VALUE, 0);
        heap.putLong(dict + DICT_USED, heap.getLong(dict + DICT_USED) - 1);
        heap.decrefNoCheck(k);
        heap.decrefNoCheck(v);
        return true;
    }

    /** Removes every entry; the dict is emptied before any key or value is decref'd. */
    public void clear(long dict) {
        check(dict);
        clearNoCheck(dict);
    }

    void clearNoCheck(long dict) {
        heap.containerReset(dict);
        long slots = slotCount(dict);
        long table = detach(dict);
        for (long i = 0; i < slots; i++) {
            long e = table + i * ENTRY_SIZE;
            long k = heap.getLong(e + ENTRY_KEY);
            if (k > DUMMY) {
                heap.decrefNoCheck(k);
                heap.decrefNoCheck(heap.getLong(e + ENTRY_VALUE));
            }
        }
        if (table != 0) {
            heap.freeRaw(table);
        }
    }

    /**
     * Iteration: the first occupied slot at or after {@code slot}, or -1. Start at 0 and go on from
     * the answer + 1; read the entry with {@link #keyAt} and {@link #valueAt}. The dict must not be
     * changed while iterating.
     */
    public long nextSlot(long dict, long slot) {
        check(dict);
        long slots = slotCount(dict);
        for (long i = Math.max(0, slot); i < slots; i++) {
            if (heap.getLong(entry(dict, i) + ENTRY_KEY) > DUMMY) {
                return i;
            }
        }
        return -1;
    }

    /** The key in an occupied slot (borrowed). */
    public long keyAt(long dict, long slot) {
        return heap.getLong(occupied(dict, slot) + ENTRY_KEY);
    }

    /** The value in an occupied slot (borrowed). */
    public long valueAt(long dict, long slot) {
        return heap.getLong(occupied(dict, slot) + ENTRY_VALUE);
    }

    private long occupied(long dict, long slot) {
        check(dict);
        long slots = slotCount(dict);
        if (slot < 0 || slot >= slots || heap.getLong(entry(dict, slot) + ENTRY_KEY) <= DUMMY) {
            throw new IndexOutOfBoundsException("slot " + slot + " of dict " + hex(dict) + " (" + slots
                    + " slots) holds no entry");
        }
        return entry(dict, slot);
    }

    private long slotCount(long dict) {
        return heap.getLong(dict + DICT_TABLE) == 0 ? 0 : heap.getLong(dict + DICT_MASK) + 1;
    }

    /** Empties the dict's fields and returns its old table (0 if none). */
    private long detach(long dict) {
        long table = heap.getLong(dict + DICT_TABLE);
        heap.putLong(dict + DICT_USED, 0);
        heap.putLong(dict + DICT_FILL, 0);
        heap.putLong(dict + DICT_MASK, 0);
        heap.putLong(dict + DICT_TABLE, 0);
        return table;
    }

    // ------------------------------------------------------------------ table

    /**
     * Finds {@code key}: its slot when present, else {@code ~slot} of where it would go (the first
     * deleted slot on its probe path, or the empty slot that ended the path).
     */
    private long lookup(long dict, long key, long h) {
        long mask = heap.getLong(dict + DICT_MASK);
        long table = heap.getLong(dict + DICT_TABLE);
        long i = h & mask;
        long perturb = h;
        long freeslot = -1;
        while (true) {
            long e = table + i * ENTRY_SIZE;
            long k = heap.getLong(e + ENTRY_KEY);
            if (k == 0) {
                return ~(freeslot >= 0 ? freeslot : i);
            }
            if (k == DUMMY) {
                if (freeslot < 0) {
                    freeslot = i;
                }
            } else if (k == key || (heap.getLong(e + ENTRY_HASH) == h && keysEqual(k, key))) {
                return i;
            }
            perturb >>>= 5;
            i = (i * 5 + perturb + 1) & mask;
        }
    }

    private void resize(long dict, long slots) {
        heap.containerReset(dict);
        long oldTable = heap.getLong(dict + DICT_TABLE);
        long oldSlots = slotCount(dict);
        long bytes = slots * ENTRY_SIZE;
        long table = heap.mallocRaw(bytes);
        heap.seg.asSlice(table - heap.base, heap.alloc.usableSize(table)).fill((byte) 0);
        long mask = slots - 1;
        for (long j = 0; j < oldSlots; j++) {
            long oe = oldTable + j * ENTRY_SIZE;
            long k = heap.getLong(oe + ENTRY_KEY);
            if (k > DUMMY) {
                long h = heap.getLong(oe + ENTRY_HASH);
                long i = h & mask;
                long perturb = h;
                while (heap.getLong(table + i * ENTRY_SIZE + ENTRY_KEY) != 0) {
                    perturb >>>= 5;
                    i = (i * 5 + perturb + 1) & mask;
                }
                long ne = table + i * ENTRY_SIZE;
                heap.putLong(ne + ENTRY_HASH, h);
                heap.putLong(ne + ENTRY_KEY, k);
                heap.putLong(ne + ENTRY_VALUE, heap.getLong(oe + ENTRY_VALUE));
            }
        }
        heap.putLong(dict + DICT_TABLE, table);
        heap.putLong(dict + DICT_MASK, mask);
        heap.putLong(dict + DICT_FILL, heap.getLong(dict + DICT_USED));
        if (oldTable != 0) {
            heap.freeRaw(oldTable);
        }
    }

    private static long slotsFor(long minimum) {
        long s = MIN_SLOTS;
        while (s < minimum) {
            s <<= 1;
        }
        return s;
    }

    private long entry(long dict, long slot) {
        return heap.getLong(dict + DICT_TABLE) + slot * ENTRY_SIZE;
    }

    // ------------------------------------------------------------------ hashing and equality

    /**
     * The hash of a key by value; throws for unhashable keys (list, dict, tuples holding them).
     * A tuple's hash is {@code acc = 0x345678 + n}, then {@code acc = combine(acc, hash(item))} per
     * item in order; nested tuples are walked with {@link #stack}, not Java recursion.
     */
    long hash(long key) {
        long type = heap.getLong(key + TYPE);
        int kind = heap.getInt(type + TP_KIND);
        if (kind == KIND_TUPLE) {
            return hashTuple(key);
        }
        if (kind == KIND_LIST || kind == KIND_DICT) {
            throw unhashable(key, type, 0, key);
        }
        return hashAtom(key, kind);
    }

    /** The hash of a key that is not a tuple and is hashable. */
    private long hashAtom(long key, int kind) {
        switch (kind) {
            case KIND_INT:
                return Hashing.mix(heap.getLong(key + VALUE));
            case KIND_FLOAT:
                return hashFloat(key);
            case KIND_STR:
            case KIND_BYTES:
                return heap.getLong(key + STR_HASH);
            default:
                return Hashing.mix(key);
        }
    }

    /**
     * Equal floats hash equal: {@code -0.0 + 0.0} is {@code +0.0}, so the two zeros (which compare
     * equal) share the bits of +0.0; every other value keeps its raw bits. A NaN equals nothing but
     * itself, so it hashes by identity as in CPython 3.10+ (bpo-43475): NaN keys of the same bits
     * then spread over the table instead of sharing one probe chain.
     */
    private long hashFloat(long key) {
        double v = heap.seg.get(JAVA_DOUBLE, key + VALUE - heap.base);
        if (v != v) {
            return Hashing.mix(key);
        }
        return Hashing.mix(Double.doubleToRawLongBits(v + 0.0) ^ 0x5bd1e995L);
    }

    /** The hash of a tuple, depth first over {@link #stack}; a frame: the tuple, its next index, the hash so far. */
    private long hashTuple(long root) {
        long[] st = stack;
        st[0] = root;
        st[1] = 0;
        st[2] = 0x345678L + heap.getLong(root + TUPLE_SIZE);
        int sp = FRAME;
        while (true) {
            int top = sp - FRAME;
            long t = st[top];
            long i = st[top + 1];
            if (i < heap.getLong(t + TUPLE_SIZE)) {
                st[top + 1] = i + 1;
                long item = heap.getLong(t + TUPLE_ITEMS + 8 * i);
                long type = heap.getLong(item + TYPE);
                int kind = heap.getInt(type + TP_KIND);
                if (kind == KIND_TUPLE) {
                    if (sp == st.length) {
                        st = growStack();
                    }
                    st[sp] = item;
                    st[sp + 1] = 0;
                    st[sp + 2] = 0x345678L + heap.getLong(item + TUPLE_SIZE);
                    sp += FRAME;
                } else if (kind == KIND_LIST || kind == KIND_DICT) {
                    throw unhashable(item, type, t, root); // nothing changed yet: the stack is scratch
                } else {
                    st[top + 2] = Hashing.combine(st[top + 2], hashAtom(item, kind));
                }
            } else {
                long h = st[top + 2];
                if (top == 0) {
                    return h;
                }
                sp = top;
                st[top - 1] = Hashing.combine(st[top - 1], h);
            }
        }
    }

    private long[] growStack() {
        stack = Arrays.copyOf(stack, stack.length * 2);
        return stack;
    }

    private WrongTypeException unhashable(long item, long type, long tuple, long key) {
        String where = tuple == 0 ? "key " + heap.describe(item)
                : "item " + heap.describe(item) + " of tuple " + (tuple == key ? "key " : "")
                        + heap.describe(tuple) + (tuple == key ? "" : ", nested in key " + heap.describe(key));
        return new WrongTypeException("unhashable type: '" + heap.typeName(type) + "' (" + where + ")");
    }

    /**
     * Equality of two key objects with equal hashes: by value for int, float, str, bytes and tuples
     * of them, by identity otherwise. Identity first at every level, as CPython's
     * {@code PyObject_RichCompareBool}: a NaN is equal to itself in a tuple.
     */
    boolean keysEqual(long a, long b) {
        if (a == b) {
            return true;
        }
        long type = heap.getLong(a + TYPE);
        if (type != heap.getLong(b + TYPE)) {
            return false;
        }
        int kind = heap.getInt(type + TP_KIND);
        return kind == KIND_TUPLE ? tuplesEqual(a, b) : atomsEqual(a, b, kind);
    }

    /** Two distinct non-tuple objects of the same type. */
    private boolean atomsEqual(long a, long b, int kind) {
        switch (kind) {
            case KIND_INT:
                return heap.getLong(a + VALUE) == heap.getLong(b + VALUE);
            case KIND_FLOAT:
                return heap.seg.get(JAVA_DOUBLE, a + VALUE - heap.base)
                        == heap.seg.get(JAVA_DOUBLE, b + VALUE - heap.base);
            case KIND_STR:
            case KIND_BYTES: {
                long n = heap.getLong(a + STR_SIZE);
                if (n != heap.getLong(b + STR_SIZE)) {
                    return false;
                }
                long ao = a + STR_DATA - heap.base;
                long bo = b + STR_DATA - heap.base;
                return MemorySegment.mismatch(heap.seg, ao, ao + n, heap.seg, bo, bo + n) == -1;
            }
            default:
                return false;
        }
    }

    /** Two distinct tuples, compared item by item over {@link #stack}; a frame: both tuples, their next index. */
    private boolean tuplesEqual(long a, long b) {
        if (heap.getLong(a + TUPLE_SIZE) != heap.getLong(b + TUPLE_SIZE)) {
            return false;
        }
        long[] st = stack;
        st[0] = a;
        st[1] = b;
        st[2] = 0;
        int sp = FRAME;
        while (true) {
            int top = sp - FRAME;
            long ta = st[top];
            long i = st[top + 2];
            if (i < heap.getLong(ta + TUPLE_SIZE)) {
                st[top + 2] = i + 1;
                long x = heap.getLong(ta + TUPLE_ITEMS + 8 * i);
                long y = heap.getLong(st[top + 1] + TUPLE_ITEMS + 8 * i);
                if (x == y) {
                    continue;
                }
                long type = heap.getLong(x + TYPE);
                if (type != heap.getLong(y + TYPE)) {
                    return false;
                }
                int kind = heap.getInt(type + TP_KIND);
                if (kind == KIND_TUPLE) {
                    if (heap.getLong(x + TUPLE_SIZE) != heap.getLong(y + TUPLE_SIZE)) {
                        return false;
                    }
                    if (sp == st.length) {
                        st = growStack();
                    }
                    st[sp] = x;
                    st[sp + 1] = y;
                    st[sp + 2] = 0;
                    sp += FRAME;
                } else if (!atomsEqual(x, y, kind)) {
                    return false;
                }
            } else {
                if (top == 0) {
                    return true;
                }
                sp = top;
            }
        }
    }

    private void check(long dict) {
        heap.checkOwner();
        heap.checkType(dict, dictType, "dict");
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
