package org.refheap.demo.book;

import org.HdrHistogram.Histogram;

/**
 * What one mode's run measured.
 *
 * @param latency         per-event processing time, ns
 * @param busyNanos       time spent processing events (bursts only)
 * @param gapNanos        time spent in the idle gaps (the collection work of modes 2 and 3)
 * @param pauses          collector pauses (for refheap: collections plus incremental steps; for the JVM:
 *                        the GarbageCollectorMXBeans' collection count)
 * @param pauseNanos      their total time
 * @param maxPauseNanos   the longest, or -1 when not known (the JVM's beans do not say)
 * @param pausesInBursts  collector pauses that happened while a burst was being processed
 * @param liveObjects     at the end: refheap's live objects (-1 for the JVM)
 * @param bytesInUse      at the end: refheap's bytes in use, or the JVM heap used above what it was before
 *                        the run (after a System.gc())
 * @param peakBytes       refheap's peak bytes in use (-1 for the JVM)
 * @param bookObjects     objects the final book itself needs (refheap; -1 for the JVM)
 * @param afterCollect    refheap's live objects after one more full collection at the end (-1 for the JVM)
 * @param bytesAfterCollect bytes in use after that collection (for the JVM: after a System.gc(), above
 *                        the heap used before the run: what the book retains)
 * @param checksum        the final book's checksum
 * @param orders          orders in the final book
 * @param levels          levels in the final book
 */
public record ModeResult(Mode mode, Histogram latency, long events, long busyNanos, long gapNanos, long pauses,
        long pauseNanos, long maxPauseNanos, long pausesInBursts, long liveObjects, long bytesInUse, long peakBytes,
        long bookObjects, long afterCollect, long bytesAfterCollect, long checksum, long orders, long levels) {

    public double eventsPerSecond() {
        return events * 1e9 / busyNanos;
    }

    /** Objects alive at the end that the book does not need: garbage not (yet) collected. */
    public long garbageAtEnd() {
        return mode.onRefheap() ? liveObjects - bookObjects : -1;
    }
}
