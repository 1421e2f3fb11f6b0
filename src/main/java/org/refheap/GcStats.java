package org.refheap;

/**
 * One generation's figures from {@link Gc#getStats()}: CPython's three (collections, collected,
 * uncollectable) and, beyond CPython, the candidates examined and the pauses.
 */
public record GcStats(int generation, long collections, long collected, long uncollectable, long candidates,
        long totalPauseNanos, long lastPauseNanos, long maxPauseNanos) {
}
