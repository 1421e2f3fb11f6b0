package org.refheap.trace;

import org.refheap.AllocationListener;
import org.refheap.Heap;

import java.util.HashMap;
import java.util.Map;

/**
 * CPython's {@code tracemalloc}, per heap: where every live block of a {@link Heap} was allocated.
 *
 * <pre>{@code
 * Tracemalloc tm = Tracemalloc.of(heap);
 * tm.start(1);
 * Snapshot before = tm.takeSnapshot();
 * ... work ...
 * for (StatisticDiff d : tm.takeSnapshot().compareTo(before, "lineno").subList(0, 10)) System.out.println(d);
 * }</pre>
 *
 * <p>Every block the heap allocates is traced: objects (domain 0, their size including header and GC
 * head) and the raw blocks they own (domain 1: list item arrays, dict tables), each under the Java
 * frames of the user code that caused it (refheap's own frames skipped, see {@link StackCapture});
 * a freed block leaves the traces at once. Only blocks allocated while tracing are traced.
 *
 * <p><b>Sampled mode</b> ({@link #startSampled}) traces a Poisson sample by bytes and scales its
 * statistics to unbiased estimates: cheap enough for production.
 *
 * <p><b>Cost when off</b>: the heap's one listener field is null, so an allocation pays one compare.
 * {@code -Drefheap.tracemalloc=N} starts tracing with N frames on every heap created (CPython's
 * {@code PYTHONTRACEMALLOC}). Methods are for the heap's owner thread, like the heap's own.
 */
public final class Tracemalloc {
    /** The most frames a traceback may hold (CPython's limit too). */
    public static final int MAX_NFRAME = 65535;
    /**
     * One instance per open heap. Not a WeakHashMap: the value holds its heap, so no entry would ever
     * go; closed heaps are dropped at the next {@link #of} instead.
     */
    private static final Map<Heap, Tracemalloc> INSTANCES = new HashMap<>();

    private final Heap heap;
    /** Installed on the heap while tracing, else null. */
    private Recorder recorder;
    private int tracebackLimit = 1;

    private Tracemalloc(Heap heap) {
        this.heap = heap;
    }

    /** The tracemalloc of {@code heap} (one per heap). */
    public static Tracemalloc of(Heap heap) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        synchronized (INSTANCES) {
            INSTANCES.keySet().removeIf(Heap::isClosed);
            return INSTANCES.computeIfAbsent(heap, Tracemalloc::new);
        }
    }

    /**
     * The frames {@code -Drefheap.tracemalloc=value} asks for: 0 for off, else 1 to {@link #MAX_NFRAME}.
     * Read by {@link Heap#create} before it makes a heap (a bad value makes no heap); the property
     * will move to the central settings class.
     */
    public static int framesFromProperty(String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || n > MAX_NFRAME) {
            throw new IllegalArgumentException("-Drefheap.tracemalloc must be a number of frames from 0 (off) to "
                    + MAX_NFRAME + ", got '" + value + "'");
        }
        return n;
    }

    /** Starts tracing {@code heap} as {@code -Drefheap.tracemalloc=value} asks (0: leaves it off). */
    public static void startFromProperty(Heap heap, String value) {
        int n = framesFromProperty(value);
        if (n != 0) {
            of(heap).start(n);
        }
    }

    /** {@link #start(int)} with one frame, CPython's default. */
    public void start() {
        start(1);
    }

    /**
     * Traces every allocation from now on with up to {@code nframe} frames. Called while tracing
     * exactly, it changes the limit for later allocations (as CPython's does).
     */
    public void start(int nframe) {
        checkFrames(nframe);
        begin(nframe, 0, 0);
    }

    /** {@link #startSampled(long, int, long)} with a random seed. */
    public void startSampled(long meanBytes, int nframe) {
        startSampled(meanBytes, nframe, System.nanoTime());
    }

    /**
     * Traces a sample of the allocations: one every {@code meanBytes} bytes on average, each block with
     * probability {@code 1 - exp(-size/meanBytes)}; snapshots scale the samples back to estimates.
     * {@code seed} makes the sample reproducible.
     */
    public void startSampled(long meanBytes, int nframe, long seed) {
        checkFrames(nframe);
        if (meanBytes < 1) {
            throw new IllegalArgumentException("meanBytes must be >= 1, got " + meanBytes);
        }
        begin(nframe, meanBytes, seed);
    }

    private void begin(int nframe, long mean, long seed) {
        Recorder r = current();
        if (r != null && r.sampleMean != mean) {
            throw new IllegalStateException("heap #" + heap.id() + " is already traced "
                    + (r.sampleMean == 0 ? "exactly" : "by sampling every " + r.sampleMean + " bytes")
                    + "; stop() first to trace " + (mean == 0 ? "exactly" : "by sampling every " + mean + " bytes"));
        }
        tracebackLimit = nframe;
        if (r != null) {
            r.setLimit(nframe);
            return;
        }
        Recorder fresh = new Recorder(nframe, mean, seed);
        heap.setAllocationListener(fresh);
        recorder = fresh;
    }

    private static void checkFrames(int nframe) {
        if (nframe < 1 || nframe > MAX_NFRAME) {
            throw new IllegalArgumentException("the number of frames must be in the range [1; " + MAX_NFRAME
                    + "], got " + nframe);
        }
    }

    /** Stops tracing and clears every trace. */
    public void stop() {
        if (current() != null) {
            heap.setAllocationListener(null);
        }
        recorder = null;
    }

    /** Whether this heap's allocations are being traced. @return true while tracing */
    public boolean isTracing() {
        return current() != null;
    }

    /** Whether tracing samples ({@link #startSampled}) rather than traces every block. */
    public boolean isSampled() {
        Recorder r = current();
        return r != null && r.sampleMean != 0;
    }

    /** Forgets every trace (and the peak); tracing goes on. */
    public void clearTraces() {
        Recorder r = current();
        if (r != null) {
            Recorder fresh = new Recorder(r.limit, r.sampleMean, System.nanoTime());
            heap.setAllocationListener(null);
            heap.setAllocationListener(fresh);
            recorder = fresh;
        }
    }

    /** The traces of the blocks alive now. */
    public Snapshot takeSnapshot() {
        Recorder r = current();
        if (r == null) {
            throw new IllegalStateException("tracemalloc must be tracing heap #" + heap.id()
                    + " to take a snapshot: call start() first");
        }
        return new Snapshot(r.traces(), r.limit, r.sampleMean);
    }

    /** Where {@code obj} was allocated, or null if it was not traced (allocated before start, or not sampled). */
    public Traceback getObjectTraceback(long obj) {
        Recorder r = current();
        heap.getrefcount(obj); // a live object of this heap, or a clear exception
        return r == null ? null : r.traceback(obj);
    }

    /** The frames kept per traceback: the last {@code start} value (1 before any). */
    public int getTracebackLimit() {
        current();
        return tracebackLimit;
    }

    /** Bytes of traced blocks now and at the peak; (0, 0) when not tracing. Estimates when sampling. */
    public TracedMemory getTracedMemory() {
        Recorder r = current();
        return r == null ? new TracedMemory(0, 0) : new TracedMemory(r.traced, r.peak);
    }

    /** Sets the peak to the current traced memory, keeping the traces. */
    public void resetPeak() {
        Recorder r = current();
        if (r != null) {
            r.peak = r.traced;
        }
    }

    /** Bytes tracemalloc itself holds (on the Java heap) for this heap's traces; 0 when not tracing. */
    public long getTracemallocMemory() {
        Recorder r = current();
        return r == null ? 0 : r.memory();
    }

    /** The number of blocks traced now. */
    public int traceCount() {
        Recorder r = current();
        return r == null ? 0 : r.traceCount();
    }

    /** The recorder if it is still the heap's listener (checks the owner thread and an open heap). */
    private Recorder current() {
        AllocationListener l = heap.allocationListener();
        if (recorder != null && l != recorder) {
            recorder = null; // someone removed it
        }
        return recorder;
    }

    @Override
    public String toString() {
        Recorder r = recorder;
        return "Tracemalloc[heap #" + heap.id() + (r == null ? ", off]" : ", " + r.traceCount() + " traces, limit "
                + r.limit + (r.sampleMean == 0 ? "]" : ", sampled every " + r.sampleMean + " bytes]"));
    }
}
