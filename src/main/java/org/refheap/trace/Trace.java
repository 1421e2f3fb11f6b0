package org.refheap.trace;

/**
 * One traced block: its domain ({@link org.refheap.AllocationListener#DOMAIN_OBJECT} or
 * {@link org.refheap.AllocationListener#DOMAIN_RAW}), its size in bytes (as requested; an object's
 * includes its header and GC head) and where it was allocated.
 */
public record Trace(int domain, long size, Traceback traceback) {
    /** Checks the components. */
    public Trace {
        if (size < 0 || traceback == null) {
            throw new IllegalArgumentException("a trace needs a size >= 0 and a traceback, got size " + size
                    + " and " + traceback);
        }
    }

    /** {@code file:line: 32 B}, CPython's form. */
    @Override
    public String toString() {
        return traceback + ": " + Sizes.format(size, false);
    }
}
