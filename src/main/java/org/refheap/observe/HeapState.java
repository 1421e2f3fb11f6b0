package org.refheap.observe;

import org.refheap.GcStats;
import org.refheap.Heap;
import org.refheap.IncrementalStats;
import org.refheap.alloc.Obmalloc;

import javax.management.ObjectName;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.locks.StampedLock;

/**
 * One observed heap: figures kept up to date by its owner thread (the only writer, at the end of each
 * collection and step), read by any thread through an optimistic {@link StampedLock} read, so that a
 * reader never blocks the owner. Also the heap's MXBean.
 */
final class HeapState implements RefHeapMXBean {
    static final int GENERATIONS = 3;

    /** Weak: a heap dropped without close() must not be kept alive by being observed. */
    final WeakReference<Heap> heap;
    final int id;
    private final Obmalloc alloc;
    private final StampedLock lock = new StampedLock();

    // Written by the owner thread under the write lock; read optimistically.
    private long liveObjects;
    private long bytesInUse;
    private long peakBytesInUse;
    private long bytesCommitted;
    private int arenasInUse;
    private final long[] collections = new long[GENERATIONS];
    private final long[] collected = new long[GENERATIONS];
    private final long[] totalPause = new long[GENERATIONS];
    private final long[] maxPause = new long[GENERATIONS];
    private long incCycles;
    private long incSteps;
    private long incCollected;
    private long incMaxStep;
    private long incTotalStep;
    private long publishedAt;

    // Owner thread only.
    /** IncrementalStats.examined at the end of the last completed cycle seen. */
    long incExamined;
    /** The next "stop" callback ends a pause-bounded cycle, already reported by its step. */
    boolean skipNextStop;
    /** A CollectionEvent begun at "start" (typed Object so that this class never loads JFR). */
    Object open;

    /** Set once registered; guarded by this. */
    ObjectName mxBeanName;

    /** On the owner thread: the collector's figures so far are the base. */
    HeapState(Heap heap, int id, Obmalloc alloc) {
        this.heap = new WeakReference<>(heap);
        this.id = id;
        this.alloc = alloc;
        List<GcStats> gens = heap.gc().getStats();
        IncrementalStats inc = heap.gc().getIncrementalStats();
        long stamp = lock.writeLock();
        try {
            for (int i = 0; i < GENERATIONS && i < gens.size(); i++) {
                GcStats g = gens.get(i);
                collections[i] = g.collections();
                collected[i] = g.collected();
                totalPause[i] = g.totalPauseNanos();
                maxPause[i] = g.maxPauseNanos();
            }
            incCycles = inc.cycles();
            incSteps = inc.steps();
            incCollected = inc.collected();
            incMaxStep = inc.maxStepNanos();
            incTotalStep = inc.totalNanos();
            incExamined = inc.examined();
            readMemory(heap);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Owner thread: a stop-the-world collection ended. */
    void collectionEnded(Heap h, int generation, long found, long pause) {
        long stamp = lock.writeLock();
        try {
            if (generation >= 0 && generation < GENERATIONS) {
                collections[generation]++;
                collected[generation] += found;
                totalPause[generation] += pause;
                maxPause[generation] = Math.max(maxPause[generation], pause);
            }
            readMemory(h);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Owner thread: a pause-bounded step ended. */
    void stepEnded(Heap h, boolean completed, long found, long pause) {
        long stamp = lock.writeLock();
        try {
            incSteps++;
            incTotalStep += pause;
            incMaxStep = Math.max(incMaxStep, pause);
            if (completed) {
                incCycles++;
                incCollected += found;
            }
            readMemory(h);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Owner thread: publish the memory figures now (registerMXBean, or a step the base already holds). */
    void publish(Heap h) {
        long stamp = lock.writeLock();
        try {
            readMemory(h);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Under the write lock, on the owner thread. Allocation free: heap figures without stats(). */
    private void readMemory(Heap h) {
        liveObjects = h.liveObjects();
        long inUse = h.bytesInUse();
        bytesInUse = inUse;
        // Heap.bytesInUse() = allocator's bytes in use minus the immortal bytes; the peak likewise.
        peakBytesInUse = alloc.peakBytesInUse() - (alloc.bytesInUse() - inUse);
        bytesCommitted = alloc.bytesCommitted();
        arenasInUse = alloc.arenasInUse();
        publishedAt = System.currentTimeMillis();
    }

    /** A consistent copy of the published figures, from any thread; never blocks the owner. */
    Snapshot snapshot() {
        long[] c = new long[GENERATIONS];
        long[] k = new long[GENERATIONS];
        long[] t = new long[GENERATIONS];
        long[] m = new long[GENERATIONS];
        for (int spins = 0; ; spins++) {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                System.arraycopy(collections, 0, c, 0, GENERATIONS);
                System.arraycopy(collected, 0, k, 0, GENERATIONS);
                System.arraycopy(totalPause, 0, t, 0, GENERATIONS);
                System.arraycopy(maxPause, 0, m, 0, GENERATIONS);
                Snapshot s = new Snapshot(id, publishedAt, liveObjects, bytesInUse, peakBytesInUse, bytesCommitted,
                        arenasInUse, c, k, t, m, incCycles, incSteps, incCollected, incMaxStep, incTotalStep);
                if (lock.validate(stamp)) {
                    return s;
                }
            }
            if ((spins & 63) == 63) {
                Thread.yield(); // the owner holds the write lock for a few dozen nanoseconds at a time
            } else {
                Thread.onSpinWait();
            }
        }
    }

    record Snapshot(int heapId, long publishedAt, long liveObjects, long bytesInUse, long peakBytesInUse,
            long bytesCommitted, int arenasInUse, long[] collections, long[] collected, long[] totalPauseNanos,
            long[] maxPauseNanos, long incCycles, long incSteps, long incCollected, long incMaxStepNanos,
            long incTotalStepNanos) {
    }

    // ------------------------------------------------------------------ RefHeapMXBean (any thread)

    @Override
    public int getHeapId() {
        return id;
    }

    @Override
    public long getSnapshotTimeMillis() {
        return snapshot().publishedAt();
    }

    @Override
    public long getLiveObjects() {
        return snapshot().liveObjects();
    }

    @Override
    public long getBytesInUse() {
        return snapshot().bytesInUse();
    }

    @Override
    public long getPeakBytesInUse() {
        return snapshot().peakBytesInUse();
    }

    @Override
    public long getBytesCommitted() {
        return snapshot().bytesCommitted();
    }

    @Override
    public int getArenasInUse() {
        return snapshot().arenasInUse();
    }

    @Override
    public long[] getCollections() {
        return snapshot().collections();
    }

    @Override
    public long[] getCollected() {
        return snapshot().collected();
    }

    @Override
    public long[] getTotalPauseNanos() {
        return snapshot().totalPauseNanos();
    }

    @Override
    public long[] getMaxPauseNanos() {
        return snapshot().maxPauseNanos();
    }

    @Override
    public long getIncrementalCycles() {
        return snapshot().incCycles();
    }

    @Override
    public long getIncrementalSteps() {
        return snapshot().incSteps();
    }

    @Override
    public long getIncrementalCollected() {
        return snapshot().incCollected();
    }

    @Override
    public long getIncrementalMaxStepNanos() {
        return snapshot().incMaxStepNanos();
    }

    @Override
    public long getIncrementalTotalStepNanos() {
        return snapshot().incTotalStepNanos();
    }
}
