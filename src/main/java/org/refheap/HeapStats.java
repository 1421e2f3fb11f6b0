package org.refheap;

import java.util.Map;

/**
 * A snapshot of a heap's figures. Immortal objects (None, bools, small ints, types) are left out of
 * the object and byte counts, so an empty heap reads 0 live objects and 0 bytes in use.
 *
 * @param liveObjects      objects alive now
 * @param liveByType       live objects per type name (types with none left out)
 * @param bytesInUse       bytes of blocks in use (objects and their item blocks)
 * @param peakBytesInUse   the most {@code bytesInUse} has been
 * @param bytesCommitted   bytes of arenas touched since last given back: an upper bound of resident memory
 * @param arenasInUse      1 MiB arenas holding at least one block
 * @param arenasReleased   times an empty arena's pages were given back to the kernel
 * @param arenasAllocated  times an arena was taken into use
 * @param blocksPerSizeClass blocks in use per 16-byte size class (index 0 = 16 bytes .. 31 = 512)
 * @param largeRuns        blocks over 512 bytes (page runs) in use
 * @param largeBytes       bytes of those runs
 * @param maxBytes         the heap's limit
 */
public record HeapStats(long liveObjects, Map<String, Long> liveByType, long bytesInUse, long peakBytesInUse,
        long bytesCommitted, int arenasInUse, long arenasReleased, long arenasAllocated, long[] blocksPerSizeClass,
        long largeRuns, long largeBytes, long maxBytes) {

    @Override
    public String toString() {
        return String.format("%d live objects %s, %d bytes in use (peak %d), %d bytes committed, "
                        + "%d arenas in use, %d released",
                liveObjects, liveByType, bytesInUse, peakBytesInUse, bytesCommitted, arenasInUse, arenasReleased);
    }
}
