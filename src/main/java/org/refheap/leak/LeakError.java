package org.refheap.leak;

/** A heap held more live objects after a checked piece of code than before it; the message says what grew. */
public final class LeakError extends AssertionError {
    private final long grown;

    LeakError(String message, long grown) {
        super(message);
        this.grown = grown;
    }

    /** How many more live objects the heap held after than before. */
    public long grown() {
        return grown;
    }
}
