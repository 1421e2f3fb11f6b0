package org.refheap;

import org.refheap.alloc.Obmalloc;
import org.refheap.alloc.ReleasePolicy;

/**
 * How a heap is made. Immutable; each {@code with*} returns a copy.
 *
 * @param maxBytes      address space to reserve, the most the heap can ever hold; rounded up to whole
 *                      1 MiB arenas. Reserving costs no memory until pages are touched.
 * @param preTouchBytes bytes at the start of the heap to commit (touch) at creation and never give
 *                      back, like the JVM's {@code AlwaysPreTouch}: the first touch of a 4 KiB page
 *                      costs microseconds, far more than an allocation, so a latency-bound program
 *                      pays it up front. Rounded up to whole arenas.
 * @param releasePolicy what happens to arenas that become empty
 * @param debug         poison fresh ({@code 0xCB}) and freed ({@code 0xDD}) memory and verify every
 *                      address against the allocator (like {@code PYTHONMALLOC=debug}); also on with
 *                      {@code -Drefheap.debug=true}
 * @param collectionMode how cyclic garbage is found automatically: CPython's generations (the default)
 *                      or candidate roots in budgeted steps ({@link CollectionMode#LOW_LATENCY})
 * @param hugePages     ask Linux for transparent huge pages (2 MiB) over the heap
 *                      ({@code madvise(MADV_HUGEPAGE)}; off by default). A heap of hundreds of MiB
 *                      whose objects reference each other in no particular order spends much of a
 *                      collection on TLB misses, which huge pages mostly remove; memory is then
 *                      committed 2 MiB at a time, so it suits large heaps with
 *                      {@link ReleasePolicy#LATENCY}. Advice: where the kernel has THP disabled the heap
 *                      works the same with 4 KiB pages ({@link Heap#hugePages()} tells which)
 */
public record HeapConfig(long maxBytes, long preTouchBytes, ReleasePolicy releasePolicy, boolean debug,
        CollectionMode collectionMode, boolean hugePages) {
    /** The address space {@link #defaults()} reserves: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** Enough for the built-in types and singletons with room to spare. */
    public static final long MIN_MAX_BYTES = 2L * Obmalloc.ARENA_SIZE;

    /**
     * Checks and rounds the values.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is below {@link #MIN_MAX_BYTES} or above 64 TiB,
     *         {@code preTouchBytes} is negative or above {@code maxBytes}, or {@code releasePolicy} is null
     */
    public HeapConfig {
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes must be at least " + MIN_MAX_BYTES + ": " + maxBytes);
        }
        if (maxBytes > (1L << 46)) {
            throw new IllegalArgumentException("maxBytes must be at most 64 TiB: " + maxBytes);
        }
        maxBytes = (maxBytes + Obmalloc.ARENA_SIZE - 1) & -(long) Obmalloc.ARENA_SIZE;
        if (preTouchBytes < 0 || preTouchBytes > maxBytes) {
            throw new IllegalArgumentException("preTouchBytes must be within 0.." + maxBytes + ": " + preTouchBytes);
        }
        if (releasePolicy == null) {
            throw new IllegalArgumentException("releasePolicy must not be null");
        }
        if (collectionMode == null) {
            throw new IllegalArgumentException("collectionMode must not be null (CollectionMode.GENERATIONAL is"
                    + " the default)");
        }
    }

    /** A configuration in the default {@link CollectionMode#GENERATIONAL} mode, without huge pages. */
    public HeapConfig(long maxBytes, long preTouchBytes, ReleasePolicy releasePolicy, boolean debug) {
        this(maxBytes, preTouchBytes, releasePolicy, debug, CollectionMode.GENERATIONAL);
    }

    /** A configuration in {@code collectionMode}, without huge pages. */
    public HeapConfig(long maxBytes, long preTouchBytes, ReleasePolicy releasePolicy, boolean debug,
            CollectionMode collectionMode) {
        this(maxBytes, preTouchBytes, releasePolicy, debug, collectionMode, false);
    }

    /**
     * 1 GiB reserved, nothing pre-touched, {@link ReleasePolicy#FOOTPRINT}, debug from -Drefheap.debug,
     * {@link CollectionMode#GENERATIONAL}.
     */
    public static HeapConfig defaults() {
        return new HeapConfig(DEFAULT_MAX_BYTES, 0, ReleasePolicy.FOOTPRINT, Settings.DEBUG);
    }

    /**
     * A copy that reserves {@code bytes} of address space (rounded up to whole 1 MiB arenas).
     *
     * @param bytes the most the heap can ever hold
     * @return the new configuration
     */
    public HeapConfig withMaxBytes(long bytes) {
        return new HeapConfig(bytes, preTouchBytes, releasePolicy, debug, collectionMode, hugePages);
    }

    /**
     * A copy that commits {@code bytes} at creation and never gives them back.
     *
     * @param bytes bytes to pre-touch, within {@code 0..maxBytes}
     * @return the new configuration
     */
    public HeapConfig withPreTouchBytes(long bytes) {
        return new HeapConfig(maxBytes, bytes, releasePolicy, debug, collectionMode, hugePages);
    }

    /**
     * A copy with {@code policy} for arenas that become empty.
     *
     * @param policy {@link ReleasePolicy#FOOTPRINT} (give memory back) or {@link ReleasePolicy#LATENCY} (keep it)
     * @return the new configuration
     */
    public HeapConfig withReleasePolicy(ReleasePolicy policy) {
        return new HeapConfig(maxBytes, preTouchBytes, policy, debug, collectionMode, hugePages);
    }

    /**
     * A copy with debug mode on or off (see the {@code debug} component).
     *
     * @param on whether heaps made from it are debug heaps
     * @return the new configuration
     */
    public HeapConfig withDebug(boolean on) {
        return new HeapConfig(maxBytes, preTouchBytes, releasePolicy, on, collectionMode, hugePages);
    }

    /** The same configuration in {@code mode} ({@link CollectionMode#LOW_LATENCY}: candidate roots). */
    public HeapConfig withCollectionMode(CollectionMode mode) {
        return new HeapConfig(maxBytes, preTouchBytes, releasePolicy, debug, mode, hugePages);
    }

    /**
     * A copy that asks for transparent huge pages over the heap, or not (see the {@code hugePages} component).
     *
     * @param on whether heaps made from it advise the kernel to use 2 MiB pages
     * @return the new configuration
     */
    public HeapConfig withHugePages(boolean on) {
        return new HeapConfig(maxBytes, preTouchBytes, releasePolicy, debug, collectionMode, on);
    }
}
