package org.refheap;

/**
 * Makes sure a collection has the stack it needs before it changes anything. A collection moves
 * objects between lists a few words at a time; a {@link StackOverflowError} thrown between two of
 * those words (in interpreted code every call can throw one) would leave an object on no list. So
 * each collection and each pause-bounded step first descends {@link #DEPTH} frames of sixteen
 * spilled words each and comes back: if that overflows, nothing has been touched yet, and if it
 * does not, the collector's own calls (about forty frames at their deepest, freeing included) fit
 * in what the probe proved free. What user code the collector calls (finalizers, callbacks) runs
 * inside a catch, and an overflow there is reported like any other exception of theirs.
 */
final class StackGuard {
    /**
     * Frames the probe descends, sixteen spilled longs each: about 16 KiB of stack interpreted and
     * 10 KiB compiled, against some 6 KiB for the collector's deepest chain of calls (freeing an arena
     * included; the native call itself runs in the shadow zone the JVM keeps below every Java frame).
     */
    static final int DEPTH = 64;

    private StackGuard() {
    }

    /** Whether {@link #DEPTH} more frames fit on this thread's stack now. Costs a few hundred nanoseconds. */
    static boolean hasHeadroom() {
        try {
            return probe(DEPTH, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16) != 0;
        } catch (StackOverflowError e) {
            return false;
        }
    }

    /** The sixteen arguments are used after the call returns, so compiled code keeps them in the frame. */
    private static long probe(int depth, long a, long b, long c, long d, long e, long f, long g, long h,
            long i, long j, long k, long l, long m, long n, long o, long p) {
        if (depth == 0) {
            return a | 1;
        }
        long r = probe(depth - 1, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, a);
        return r ^ (a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p) | 1;
    }
}
