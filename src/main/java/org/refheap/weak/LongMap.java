package org.refheap.weak;

import java.util.Arrays;

/**
 * An open-addressing map from a nonzero long (a weakref's address) to a long, without boxing:
 * linear probing, deletion by backward shift (no tombstones), doubled at half full. It is the
 * Java-side answer to "is this weakref still one of my entries, and for which key?", which a weak
 * collection's callback asks: the weakref is alive while the callback runs, so its address is
 * unique then.
 */
final class LongMap {
    private long[] keys = new long[16];
    private long[] values = new long[16];
    private int size;

    int size() {
        return size;
    }

    /** The value of {@code key}, or 0 when absent. */
    long get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return 0;
            }
        }
    }

    boolean containsKey(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return true;
            }
            if (k == 0) {
                return false;
            }
        }
    }

    void put(long key, long value) {
        if (key == 0) {
            throw new IllegalArgumentException("LongMap keys are nonzero addresses");
        }
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key || k == 0) {
                if (k == 0) {
                    size++;
                }
                keys[i] = key;
                values[i] = value;
                return;
            }
        }
    }

    /** Removes {@code key}; returns its value, or 0 when it was absent. */
    long remove(long key) {
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return 0;
            }
            i = (i + 1) & mask;
        }
        long v = values[i];
        size--;
        // Backward shift: pull later entries of the run into the hole when their home allows it.
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        values[hole] = 0;
        return v;
    }

    void clear() {
        Arrays.fill(keys, 0);
        Arrays.fill(values, 0);
        size = 0;
    }

    private void grow() {
        long[] ok = keys;
        long[] ov = values;
        keys = new long[ok.length * 2];
        values = new long[ok.length * 2];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != 0) {
                put(ok[i], ov[i]);
            }
        }
    }

    private static int slot(long key, int mask) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
