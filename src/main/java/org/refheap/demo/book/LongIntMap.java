package org.refheap.demo.book;

import java.util.Arrays;

/**
 * An open-addressing map from {@code long} keys to non-negative {@code int} values, the kind a
 * latency-minded Java programmer writes instead of {@code HashMap<Long, V>}: two flat arrays, no
 * boxing, no node objects, nothing allocated per operation; growth only past half full (sized up
 * front, it never grows at all).
 *
 * <p>Linear probing over a power-of-two table; the slot of a key is the top bits of the key times
 * 2^64 / phi (Fibonacci hashing: consecutive ids and prices spread over the whole table). Removal
 * shifts the following entries of the probe run back (Knuth's Algorithm R, TAOCP 6.4), so there are
 * no tombstones and lookups never slow down as keys come and go. Key 0 marks an empty slot and is
 * not a valid key (order ids start at 1; prices are positive).
 */
public final class LongIntMap {
    /** What {@link #get} answers for a key that is not there. */
    public static final int MISSING = -1;
    private static final long PHI = 0x9E37_79B9_7F4A_7C15L;

    private long[] keys;
    private int[] values;
    private int mask;
    private int shift;
    private int size;

    /** A map that holds {@code expected} keys without growing. */
    public LongIntMap(int expected) {
        if (expected < 0) {
            throw new IllegalArgumentException("expected size must be >= 0: " + expected);
        }
        allocate(Math.max(16, Integer.highestOneBit(Math.max(1, expected) * 2 - 1) << 1));
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }

    private int slot(long key) {
        return (int) ((key * PHI) >>> shift);
    }

    /** The value of {@code key}, or {@link #MISSING}. */
    public int get(long key) {
        final long[] keys = this.keys;
        for (int i = slot(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return MISSING;
            }
        }
    }

    /** Maps {@code key} to {@code value}; returns the previous value or {@link #MISSING}. */
    public int put(long key, int value) {
        if (key == 0 || value < 0) {
            throw new IllegalArgumentException("key must not be 0 and value not negative: " + key + " -> " + value);
        }
        final long[] keys = this.keys;
        int i = slot(key);
        for (; keys[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                int old = values[i];
                values[i] = value;
                return old;
            }
        }
        keys[i] = key;
        values[i] = value;
        if (++size > (mask + 1) >> 1) {
            grow();
        }
        return MISSING;
    }

    /** Removes {@code key}; returns its value or {@link #MISSING}. */
    public int remove(long key) {
        final long[] keys = this.keys;
        int i = slot(key);
        for (; keys[i] != key; i = (i + 1) & mask) {
            if (keys[i] == 0) {
                return MISSING;
            }
        }
        int old = values[i];
        // Algorithm R: walk the run after the hole; an entry whose home slot does not lie cyclically in
        // (hole, j] would be unreachable past the hole, so it moves into it and its slot becomes the hole.
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = slot(keys[j]);
            boolean reachable = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (!reachable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        size--;
        return old;
    }

    public int size() {
        return size;
    }

    /** Slots to walk with {@link #keyAt}: the table's capacity. */
    public int capacity() {
        return mask + 1;
    }

    /** The key in {@code slot}, or 0 when the slot is empty. */
    public long keyAt(int slot) {
        return keys[slot];
    }

    /** The keys, in no order: for the checksum, never on a hot path. */
    public long[] keys() {
        long[] out = new long[size];
        int n = 0;
        for (long k : keys) {
            if (k != 0) {
                out[n++] = k;
            }
        }
        return out;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        allocate(oldKeys.length * 2);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    @Override
    public String toString() {
        return "LongIntMap(size " + size + ", capacity " + capacity() + ", keys " + Arrays.toString(
                Arrays.copyOf(keys(), Math.min(size, 8))) + (size > 8 ? "...)" : ")");
    }
}
