package org.refheap;

/**
 * An allocation would take the heap past its configured maximum. The heap is unchanged and stays
 * usable: free something, or create the heap with a larger {@code maxBytes}.
 */
public final class HeapExhaustedException extends RefHeapException {
    private final long requested;
    private final long limit;

    /**
     * An allocation of {@code requested} bytes that the heap's limit refused.
     *
     * @param requested bytes the request asked for
     * @param limit     the heap's maximum in bytes
     * @param detail    what was being allocated, for the message
     */
    public HeapExhaustedException(long requested, long limit, String detail) {
        super("cannot allocate " + requested + " bytes: heap limit of " + limit + " bytes reached (" + detail
                + "); free objects or create the heap with a larger HeapConfig.maxBytes");
        this.requested = requested;
        this.limit = limit;
    }

    /** Bytes the failed request asked for. */
    public long requested() {
        return requested;
    }

    /** The heap's maximum in bytes. */
    public long limit() {
        return limit;
    }
}
