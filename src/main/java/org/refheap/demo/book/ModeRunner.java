package org.refheap.demo.book;

import org.HdrHistogram.Histogram;
import org.refheap.Gc;
import org.refheap.GcStats;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.IncrementalStats;
import org.refheap.alloc.ReleasePolicy;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Replays a stream in one mode: events in bursts of {@code burst}, each event timed on its own, and
 * after each burst an idle gap where modes 2 and 3 do their collecting.
 */
public final class ModeRunner {
    /** Latencies up to 10 s, 3 significant digits. */
    static final long HIGHEST_NANOS = 10_000_000_000L;
    /**
     * refheap heaps are made the way a latency-bound program makes them: memory committed up front and
     * never given back, so that no event pays for a first touch of a page. All refheap modes alike.
     */
    static final HeapConfig HEAP_CONFIG = HeapConfig.defaults().withPreTouchBytes(64L << 20)
            .withReleasePolicy(ReleasePolicy.LATENCY);

    private final int burst;
    private final long budgetNanos;

    public ModeRunner(int burst, long budgetNanos) {
        if (burst <= 0 || budgetNanos <= 0) {
            throw new IllegalArgumentException("burst and budget must be positive: " + burst + ", " + budgetNanos);
        }
        this.burst = burst;
        this.budgetNanos = budgetNanos;
    }

    public ModeResult run(Mode mode, EventStream stream) {
        return mode.onRefheap() ? runRefheap(mode, stream) : runJvm(stream);
    }

    private ModeResult runRefheap(Mode mode, EventStream stream) {
        try (Heap heap = Heap.create(HEAP_CONFIG)) {
            RefheapBook book = new RefheapBook(heap);
            Gc gc = heap.gc();
            if (mode != Mode.AUTOMATIC) {
                // Modes 0, 2, 3: no automatic collection, ever. The gaps allocate nothing, so enabling the
                // collector there would change nothing; the work happens by hand below.
                gc.disable();
            }
            Runnable idle = switch (mode) {
                case MANUAL -> gc::collect;
                case STEPPED -> () -> {
                    gc.collect(0);              // the young garbage: small, quick
                    gc.collectStep(budgetNanos); // one bounded slice of a full collection
                };
                default -> () -> {
                };
            };
            Loop loop = replay(book, stream, () -> pauses(gc), idle);

            long pauseNanos = 0;
            long maxPause = 0;
            for (GcStats g : gc.getStats()) {
                pauseNanos += g.totalPauseNanos();
                maxPause = Math.max(maxPause, g.maxPauseNanos());
            }
            IncrementalStats inc = gc.getIncrementalStats();
            pauseNanos += inc.totalNanos();
            maxPause = Math.max(maxPause, inc.maxStepNanos());
            long pauses = pauses(gc);
            long live = heap.liveObjects();
            long bytes = heap.bytesInUse();
            long peak = heap.stats().peakBytesInUse();
            long checksum = book.checksum();
            long bookObjects = book.bookObjects();
            gc.collect(); // one more full collection: what is left is exactly the book, or something leaked
            return new ModeResult(mode, loop.latency, stream.size(), loop.busyNanos, loop.gapNanos, pauses,
                    pauseNanos, maxPause, loop.pausesInBursts, live, bytes, peak, bookObjects, heap.liveObjects(),
                    heap.bytesInUse(), checksum, book.orderCount(), book.levelCount());
        }
    }

    /** Collections of every generation plus incremental steps so far: any change is a pause. */
    private static long pauses(Gc gc) {
        long n = gc.getIncrementalStats().steps();
        for (GcStats g : gc.getStats()) {
            n += g.collections();
        }
        return n;
    }

    private ModeResult runJvm(EventStream stream) {
        List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
        LongSupplier count = () -> {
            long n = 0;
            for (GarbageCollectorMXBean b : beans) {
                n += Math.max(0, b.getCollectionCount());
            }
            return n;
        };
        System.gc(); // the baseline: the JVM heap without this run's book or garbage
        long base = heapUsed();
        long count0 = count.getAsLong();
        long millis0 = collectionMillis(beans);
        JvmBook book = new JvmBook();
        Loop loop = replay(book, stream, count, () -> {
        });
        long pauses = count.getAsLong() - count0;
        long pauseNanos = (collectionMillis(beans) - millis0) * 1_000_000;
        long used = heapUsed() - base;
        long checksum = book.checksum();
        System.gc(); // a full collection, as refheap's modes get one at the end: what the book retains
        long retained = heapUsed() - base;
        return new ModeResult(Mode.JVM, loop.latency, stream.size(), loop.busyNanos, loop.gapNanos, pauses, pauseNanos,
                -1, loop.pausesInBursts, -1, used, -1, -1, -1, retained, checksum, book.orderCount(),
                book.levelCount());
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long collectionMillis(List<GarbageCollectorMXBean> beans) {
        long ms = 0;
        for (GarbageCollectorMXBean b : beans) {
            ms += Math.max(0, b.getCollectionTime());
        }
        return ms;
    }

    private record Loop(Histogram latency, long busyNanos, long gapNanos, long pausesInBursts) {
    }

    /**
     * The measured loop. One clock read per event: an event's time runs from the previous read to the
     * next, so it includes recording the previous value in the histogram (a few ns), never anything
     * from the gaps. {@code pauses} is read around each burst: a change means the collector paused
     * while events were waiting.
     */
    private Loop replay(OrderBook book, EventStream s, LongSupplier pauses, Runnable idle) {
        Histogram h = new Histogram(HIGHEST_NANOS, 3);
        long busy = 0;
        long gap = 0;
        long inBursts = 0;
        int n = s.size();
        for (int start = 0; start < n; start += burst) {
            int end = Math.min(n, start + burst);
            long before = pauses.getAsLong();
            long burstStart = System.nanoTime();
            long t0 = burstStart;
            for (int i = start; i < end; i++) {
                book.apply(s, i);
                long t1 = System.nanoTime();
                h.recordValue(t1 - t0);
                t0 = t1;
            }
            busy += t0 - burstStart;
            inBursts += pauses.getAsLong() - before;
            idle.run();
            gap += System.nanoTime() - t0;
        }
        return new Loop(h, busy, gap, inBursts);
    }
}
