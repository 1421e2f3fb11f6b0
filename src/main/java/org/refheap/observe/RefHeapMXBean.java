package org.refheap.observe;

/**
 * One heap's figures over JMX, registered as {@code org.refheap:type=Heap,id=<n>} by
 * {@link org.refheap.Heap#registerMXBean()} and unregistered when the heap is closed.
 *
 * <p>Every figure is from the snapshot the heap's owner thread published last: at the end of the
 * last collection or pause-bounded step, or at the last {@code registerMXBean()} call (call it again
 * to refresh). {@link #getSnapshotTimeMillis()} tells when. Getters never touch the heap itself, so
 * they may be called from any thread. Per-generation figures are arrays indexed by generation (0, 1, 2).
 */
public interface RefHeapMXBean {
    /** The heap's number, as in {@code Heap#n} and the ObjectName. */
    int getHeapId();

    /** When the owner thread published these figures ({@link System#currentTimeMillis()}). */
    long getSnapshotTimeMillis();

    /** Live objects, immortal ones not counted ({@code Heap.liveObjects()}). */
    long getLiveObjects();

    /** Bytes of blocks in use, immortal objects and types not counted ({@code Heap.bytesInUse()}). */
    long getBytesInUse();

    /** The most {@link #getBytesInUse()} has been ({@code HeapStats.peakBytesInUse}). */
    long getPeakBytesInUse();

    /** Bytes of arenas touched since last given back: an upper bound of resident memory. */
    long getBytesCommitted();

    /** 1 MiB arenas holding at least one block. */
    int getArenasInUse();

    /** Stop-the-world collections per generation ({@code GcStats.collections}). */
    long[] getCollections();

    /** Unreachable objects found by stop-the-world collections, per generation. */
    long[] getCollected();

    /** Sum of stop-the-world pauses per generation, in nanoseconds. */
    long[] getTotalPauseNanos();

    /** Longest stop-the-world pause per generation, in nanoseconds. */
    long[] getMaxPauseNanos();

    /** Pause-bounded cycles completed ({@code IncrementalStats.cycles}). */
    long getIncrementalCycles();

    /** Pause-bounded steps taken. */
    long getIncrementalSteps();

    /** Garbage objects found by completed pause-bounded cycles. */
    long getIncrementalCollected();

    /** Longest pause-bounded step, in nanoseconds. */
    long getIncrementalMaxStepNanos();

    /** All pause-bounded step pauses together, in nanoseconds. */
    long getIncrementalTotalStepNanos();
}
