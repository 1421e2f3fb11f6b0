package org.refheap.observe;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;

/**
 * The JFR side, loaded only once a recorder is initialized (initializing JFR's event machinery costs
 * a few hundred milliseconds in a JVM that does not use JFR otherwise).
 */
final class Jfr {
    static {
        try {
            // Once per JVM; the hook then runs on a JFR thread.
            FlightRecorder.addPeriodicEvent(HeapSummaryEvent.class, new SummaryHook());
        } catch (RuntimeException e) {
            // No summaries then; the collection events still work.
        }
    }

    private static final EventType COLLECTION = EventType.getEventType(CollectionEvent.class);
    private static final EventType SUMMARY = EventType.getEventType(HeapSummaryEvent.class);

    private Jfr() {
    }

    /** Whether a refheap event is enabled in some running recording. Allocation free. */
    static boolean anyEnabled() {
        return COLLECTION.isEnabled() || SUMMARY.isEnabled();
    }

    /** A begun CollectionEvent, or null when the event is disabled (nothing built then). */
    static Object begin() {
        if (!COLLECTION.isEnabled()) {
            return null;
        }
        CollectionEvent e = new CollectionEvent();
        e.begin();
        return e;
    }

    static void commitCollection(Object begun, int heapId, int generation, long collected, long uncollectable,
            long candidates, long pauseNanos) {
        CollectionEvent e = (CollectionEvent) begun;
        e.end();
        if (e.shouldCommit()) {
            e.heapId = heapId;
            e.generation = generation;
            e.collected = collected;
            e.uncollectable = uncollectable;
            e.candidates = candidates;
            e.pause = pauseNanos;
            e.budgeted = false;
            e.scope = generation < 2 ? "young" : "full";
            e.commit();
        }
    }

    static void commitStep(int heapId, String phase, boolean completed, long pauseNanos, long collected,
            long candidates, String scope) {
        if (!COLLECTION.isEnabled()) {
            return;
        }
        CollectionEvent e = new CollectionEvent();
        if (e.shouldCommit()) {
            e.heapId = heapId;
            e.generation = 2;
            e.collected = collected;
            e.candidates = candidates;
            e.pause = pauseNanos;
            e.budgeted = true;
            e.phase = phase;
            e.completedCycle = completed;
            e.scope = scope;
            e.commit();
        }
    }
}
