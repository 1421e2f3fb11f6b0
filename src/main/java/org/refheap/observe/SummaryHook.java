package org.refheap.observe;

/**
 * The periodic {@code refheap.HeapSummary} hook. It runs on a JFR thread, so it never calls a Heap:
 * one event per observed heap, from the snapshot its owner thread published last.
 */
final class SummaryHook implements Runnable {
    @Override
    public void run() {
        for (HeapState s : Hooks.states()) {
            if (s.heap.refersTo(null)) {
                Hooks.forget(s); // dropped without close()
                continue;
            }
            HeapState.Snapshot snap = s.snapshot();
            HeapSummaryEvent e = new HeapSummaryEvent();
            e.heapId = snap.heapId();
            e.liveObjects = snap.liveObjects();
            e.bytesInUse = snap.bytesInUse();
            e.peakBytesInUse = snap.peakBytesInUse();
            e.bytesCommitted = snap.bytesCommitted();
            e.arenasInUse = snap.arenasInUse();
            e.publishedAt = snap.publishedAt();
            e.commit();
        }
    }
}
