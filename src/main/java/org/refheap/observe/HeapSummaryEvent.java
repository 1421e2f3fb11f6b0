package org.refheap.observe;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timestamp;

/**
 * Periodic, one per observed open heap, from the snapshot its owner thread published last (emitted on
 * a JFR thread, which never calls the heap).
 */
@Name(HeapSummaryEvent.NAME)
@Label("refheap Heap Summary")
@Category({"refheap"})
@Description("Figures of a refheap off-heap heap, as of its last collection or step")
@Period("1 s")
@StackTrace(false)
final class HeapSummaryEvent extends Event {
    static final String NAME = "refheap.HeapSummary";

    @Label("Heap Id")
    int heapId;

    @Label("Live Objects")
    long liveObjects;

    @Label("Bytes In Use")
    @DataAmount
    long bytesInUse;

    @Label("Peak Bytes In Use")
    @DataAmount
    long peakBytesInUse;

    @Label("Bytes Committed")
    @DataAmount
    long bytesCommitted;

    @Label("Arenas In Use")
    int arenasInUse;

    @Label("Published At")
    @Description("When the owner thread published these figures")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    long publishedAt;
}
