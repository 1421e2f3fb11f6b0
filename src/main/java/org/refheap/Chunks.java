package org.refheap;

import java.util.Arrays;

/**
 * Growable arrays that grow without copying what they hold, for the pause-bounded collector's set,
 * stack and root lists: past a first chunk that doubles up to {@link #SIZE} elements (so a small
 * heap keeps small arrays), they grow a chunk of {@link #SIZE} at a time. A step that adds to a set
 * of millions of objects then costs what it adds, plus at most one chunk's allocation; with
 * doubling arrays the step that crossed a power of two copied the whole set (one step of the first
 * cycle over five million objects took 138 ms of CPU against a 100 us budget). Chunks, once
 * allocated, are kept: the high-water mark, as the arrays' was.
 *
 * <pre>
 *  element i   chunks[i >>> SHIFT][i &amp; MASK]
 *  chunk 0     1,024 elements at first, doubled up to SIZE; every later chunk SIZE
 * </pre>
 */
final class Chunks {
    static final int SHIFT = 15;
    /** Elements per chunk: 256 KiB of longs, an allocation of some tens of microseconds. */
    static final int SIZE = 1 << SHIFT;
    static final int MASK = SIZE - 1;
    private static final int FIRST = 1024;

    private Chunks() {
    }

    /** Longs (the set's object addresses). */
    static final class Longs {
        private long[][] chunks = {new long[FIRST]};
        private int capacity = FIRST;

        long get(int i) {
            return chunks[i >>> SHIFT][i & MASK];
        }

        void set(int i, long v) {
            chunks[i >>> SHIFT][i & MASK] = v;
        }

        /** The array that holds element {@code i} (for tests: growth never replaces a full chunk). */
        Object chunkHolding(int i) {
            return chunks[i >>> SHIFT];
        }

        /** Makes room for element {@code i} ({@code i <= capacity}). */
        void ensure(int i) {
            if (i < capacity) {
                return;
            }
            if (capacity < SIZE) {
                chunks[0] = Arrays.copyOf(chunks[0], capacity * 2);
                capacity *= 2;
                return;
            }
            int c = capacity >>> SHIFT;
            if (c == chunks.length) {
                chunks = Arrays.copyOf(chunks, c * 2);
            }
            chunks[c] = new long[SIZE];
            capacity += SIZE;
        }
    }

    /** Ints (set indices: the marking stack, the roots that joined a cycle). */
    static final class Ints {
        private int[][] chunks = {new int[FIRST]};
        private int capacity = FIRST;

        int get(int i) {
            return chunks[i >>> SHIFT][i & MASK];
        }

        void set(int i, int v) {
            chunks[i >>> SHIFT][i & MASK] = v;
        }

        /** Makes room for element {@code i} ({@code i <= capacity}). */
        void ensure(int i) {
            if (i < capacity) {
                return;
            }
            if (capacity < SIZE) {
                chunks[0] = Arrays.copyOf(chunks[0], capacity * 2);
                capacity *= 2;
                return;
            }
            int c = capacity >>> SHIFT;
            if (c == chunks.length) {
                chunks = Arrays.copyOf(chunks, c * 2);
            }
            chunks[c] = new int[SIZE];
            capacity += SIZE;
        }
    }
}
