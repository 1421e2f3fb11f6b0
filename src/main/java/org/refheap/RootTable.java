package org.refheap;

import java.util.Arrays;

/**
 * The slots of the root buffer's hash table ({@link CandidateRoots}), in chunks allocated when a
 * slot of theirs is first written: a table made for a new high-water mark of roots costs its spine
 * at once and its chunks one at a time as insertions reach them. As one {@code long[]} it was
 * allocated, and zeroed by the JVM, inside the one decref that grew it: 16 MB for two million slots.
 * A slot of a chunk not yet allocated reads 0 (empty).
 *
 * <pre>
 *  slot i    chunks[i >>> SHIFT][i &amp; MASK], or 0 while that chunk is null
 *  chunk     min(CHUNK, length) slots: a table smaller than a chunk is one chunk of its size
 * </pre>
 */
final class RootTable {
    static final int SHIFT = 12;
    /** Slots per chunk: 32 KiB, a few microseconds to allocate. */
    static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;

    /** Slots: a power of two. */
    final int length;
    private final long[][] chunks;

    RootTable(int length) {
        this.length = length;
        this.chunks = new long[Math.max(1, length >>> SHIFT)][];
    }

    long get(int i) {
        long[] c = chunks[i >>> SHIFT];
        return c == null ? 0 : c[i & MASK];
    }

    void set(int i, long v) {
        long[] c = chunks[i >>> SHIFT];
        if (c == null) {
            if (v == 0) {
                return;
            }
            c = chunks[i >>> SHIFT] = new long[Math.min(CHUNK, length)];
        }
        c[i & MASK] = v;
    }

    /** The first slot at or after {@code i} that may be occupied: chunks never allocated are skipped whole. */
    int skipEmptyChunks(int i) {
        while (i < length && chunks[i >>> SHIFT] == null) {
            i = ((i >>> SHIFT) + 1) << SHIFT;
        }
        return Math.min(i, length);
    }

    /** Zeroes slots [from, to) (chunks never allocated are zero already). */
    void zero(int from, int to) {
        for (int i = from; i < to; ) {
            int end = Math.min(to, ((i >>> SHIFT) + 1) << SHIFT);
            long[] c = chunks[i >>> SHIFT];
            if (c != null) {
                Arrays.fill(c, i & MASK, ((end - 1) & MASK) + 1, 0L);
            }
            i = end;
        }
    }
}
