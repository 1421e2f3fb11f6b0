package org.refheap;

/**
 * Makes sure a collection has the stack it needs before it changes anything. A collection moves
 * objects between lists a few words at a time; a {@link StackOverflowError} thrown between two of
 * those words (in interpreted code every call can throw one) would leave an object on no list. So
 * each collection and each pause-bounded step first descends {@link #DEPTH} frames of a few
 * spilled words each and comes back: if that overflows, nothing has been touched yet, and if it
 * does not, the collector's own calls (about forty frames at their deepest, freeing included) fit
 * in what the probe proved free. What user code the collector calls (finalizers, callbacks) runs
 * inside a catch, and an overflow there is reported like any other exception of theirs.
 */
final class StackGuard {
    /** Frames the probe descends: at least 64 KiB of stack interpreted, about 24 KiB compiled. */
    static final int DEPTH = 256;

    private StackGuard() {
    }

    /** Whether {@link #DEPTH} more frames fit on this thread's stack now. Costs about a microsecond. */
    static boolean hasHeadroom() {
        try {
            return probe(DEPTH, 1, 2, 3, 4, 5, 6, 7, 8) != 0;
        } catch (StackOverflowError e) {
            return false;
        }
    }

    /** The eight arguments are used after the call returns, so compiled code keeps them in the frame. */
    private static long probe(int depth, long a, long b, long c, long d, long e, long f, long g, long h) {
        if (depth == 0) {
            return a | 1;
        }
        long r = probe(depth - 1, b, c, d, e, f, g, h, a);
        return r ^ (a + b + c + d + e + f + g + h) | 1;
    }
}
