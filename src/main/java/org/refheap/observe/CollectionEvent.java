package org.refheap.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One collection of a refheap heap: a stop-the-world collection ({@code budgeted = false}; JFR's own
 * start time and duration span it) or one step of a pause-bounded full collection
 * ({@code budgeted = true}; committed at the step's end, so JFR's duration is about 0: the step's
 * pause is in {@code pause}). A step's cycle is a full one or a candidate one ({@code scope}).
 */
@Name(CollectionEvent.NAME)
@Label("refheap Collection")
@Category({"refheap"})
@Description("A cycle collection of a refheap off-heap heap, or one step of a pause-bounded one")
@StackTrace(false)
final class CollectionEvent extends Event {
    static final String NAME = "refheap.Collection";

    @Label("Heap Id")
    int heapId;

    @Label("Generation")
    @Description("Generation collected (with all younger ones); 2 for pause-bounded steps")
    int generation;

    @Label("Collected")
    @Description("Unreachable objects found; for a step, those of the cycle it completed (else 0)")
    long collected;

    @Label("Uncollectable")
    long uncollectable;

    @Label("Candidates")
    @Description("Tracked objects examined; for a step, those of the cycle it completed (else 0)")
    long candidates;

    @Label("Pause")
    @Description("The pause as the collector measured it")
    @Timespan(Timespan.NANOSECONDS)
    long pause;

    @Label("Budgeted")
    @Description("false: stop-the-world collection; true: one step of a pause-bounded full collection")
    boolean budgeted;

    @Label("Phase")
    @Description("For a step: the phase the cycle is in after it ('idle' once completed); null otherwise")
    String phase;

    @Label("Scope")
    @Description("What was examined: 'young' (generations 0-1), 'full' (every tracked object, stop-the-world"
            + " or a pause-bounded cycle), 'candidates' (candidate roots and their closure: the low-latency mode)")
    String scope;

    @Label("Completed Cycle")
    @Description("For a step: whether it completed a pause-bounded cycle; false otherwise")
    boolean completedCycle;
}
