package org.refheap.trace;

/**
 * {@link Tracemalloc#getTracedMemory()}: bytes of the traced blocks alive now, and the most there were
 * since tracing started or {@link Tracemalloc#resetPeak()} (estimates when sampling).
 */
public record TracedMemory(long current, long peak) {
}
