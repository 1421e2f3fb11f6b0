package org.refheap.alloc;

/** What the allocator does with an arena whose last block was freed. */
public enum ReleasePolicy {
    /**
     * CPython 3.9's rule: keep one wholly empty arena as a spare (so a loop that creates and frees
     * one arena's worth does not thrash) and return every other empty arena's pages to the kernel
     * with {@code madvise(MADV_DONTNEED)}: resident memory falls when objects die.
     */
    FOOTPRINT,
    /**
     * Keep every empty arena committed: no {@code madvise} call and no page fault when it is used
     * again, at the price of resident memory that never falls below its peak.
     */
    LATENCY
}
