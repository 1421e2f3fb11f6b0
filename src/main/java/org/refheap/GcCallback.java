package org.refheap;

/**
 * A {@code gc.callbacks} entry: called with phase "start" before a collection and "stop" after it.
 * What it throws goes to the heap's {@link UnraisableHook}.
 */
@FunctionalInterface
public interface GcCallback {
    /**
     * Called before and after each collection.
     *
     * @param phase {@code "start"} or {@code "stop"}
     * @param info  the generation and, at {@code "stop"}, what the collection found
     */
    void call(String phase, GcInfo info);

    /**
     * What a callback is told about a collection ({@code gc.callbacks}' {@code info} dict).
     *
     * @param generation    the generation collected
     * @param collected     unreachable objects found (0 at "start")
     * @param uncollectable objects that could not be collected (always 0 here: there are no legacy
     *                      finalizers; see docs/GC.md)
     * @param candidates    tracked objects examined (0 at "start")
     * @param durationNanos pause of the collection (0 at "start"); for a pause-bounded cycle
     *                      ({@code collectStep}, the low-latency mode's automatic steps), whose "stop"
     *                      comes at the end of the step that completes it, the sum of all its steps'
     *                      pauses, which is not one pause: each step's own is in
     *                      {@code getIncrementalStats()} / {@code getCandidateStats()} and the JFR events
     */
    record GcInfo(int generation, long collected, long uncollectable, long candidates, long durationNanos) {
    }
}
