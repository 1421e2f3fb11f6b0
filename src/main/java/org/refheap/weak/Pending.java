package org.refheap.weak;

import java.util.Arrays;

/**
 * CPython's {@code _IterationGuard} and {@code _pending_removals}: while a weak collection is being
 * iterated, a death does not remove its entry (the dict must not change size under the iteration);
 * the callback records (key, weakref) here instead, holding what the pair names so that neither
 * address can be reused before the removal is committed, when the outermost iteration ends or the
 * next operation begins.
 */
final class Pending {
    /** Open iterations (nested forEach calls count each). */
    int iterating;
    private long[] keys = new long[8];
    private long[] refs = new long[8];
    private int size;

    int size() {
        return size;
    }

    long key(int i) {
        return keys[i];
    }

    long ref(int i) {
        return refs[i];
    }

    void add(long key, long wr) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            refs = Arrays.copyOf(refs, size * 2);
        }
        keys[size] = key;
        refs[size] = wr;
        size++;
    }

    /** Hands the recorded pairs over (keys then refs, {@code n} of each) and empties the list. */
    long[][] takeAll() {
        long[][] out = {Arrays.copyOf(keys, size), Arrays.copyOf(refs, size)};
        Arrays.fill(keys, 0, size, 0);
        Arrays.fill(refs, 0, size, 0);
        size = 0;
        return out;
    }
}
