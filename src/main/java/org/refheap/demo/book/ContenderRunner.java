package org.refheap.demo.book;

import org.HdrHistogram.Histogram;
import org.refheap.Gc;
import org.refheap.GcCallback;
import org.refheap.Heap;
import org.refheap.CollectionMode;
import org.refheap.HeapConfig;
import org.refheap.alloc.ReleasePolicy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Replays a stream for one contender, in this process: the load (untimed), a quiet point (refheap's
 * {@code gc.collect()}, the JVM's {@code System.gc()}: what a program does after loading its start of
 * day), then the measured stream in bursts of {@code burst} events, each event timed on its own, each
 * burst followed by an idle gap of a fixed {@code gapNanos}.
 *
 * <p><b>Gaps are time, not work.</b> A feed is idle for a while between bursts whatever the program
 * does with it. refheap's collection work runs in the gap; the rest of it is spun through (a
 * latency-bound thread polls, it does not sleep). Work that outlasts the gap makes the next burst
 * late: that lateness is added to the latency of the burst's first event, so a collection that does
 * not fit shows in the percentiles exactly once, as a pause inside a burst does.
 */
public final class ContenderRunner {
    /** Latencies up to 100 s, 3 significant digits. */
    static final long HIGHEST_NANOS = 100_000_000_000L;
    /** A gap counts as overrun when its burst starts later than this past the gap's end. */
    static final long OVERRUN_NANOS = 1_000;
    /**
     * refheap heaps are made the way a latency-bound program makes them: memory committed up front and
     * never given back, so that no event pays for a first touch of a page, and transparent huge pages,
     * so that the collector's walks over a heap of hundreds of MiB do not stall on the TLB. Every
     * refheap contender alike (the tuned JVM contender, g1-fixed, gets the JVM's own huge pages).
     */
    static final HeapConfig HEAP_CONFIG = HeapConfig.defaults().withPreTouchBytes(64L << 20)
            .withReleasePolicy(ReleasePolicy.LATENCY).withHugePages(true);

    private final int burst;
    private final long gapNanos;
    private final long budgetNanos;

    public ContenderRunner(int burst, long gapNanos, long budgetNanos) {
        if (burst <= 0 || gapNanos <= 0 || budgetNanos <= 0) {
            throw new IllegalArgumentException("burst, gap and budget must be positive: " + burst + ", " + gapNanos
                    + ", " + budgetNanos);
        }
        this.burst = burst;
        this.gapNanos = gapNanos;
        this.budgetNanos = budgetNanos;
    }

    /** Runs {@code c} over {@code s} in this JVM, which has no logs: its collector beans are read instead. */
    public RunResult run(Contender c, EventStream s) {
        return run(c, s, null, null);
    }

    /**
     * Runs {@code c} over {@code s}. {@code safepointLog} and {@code gcLog} are the -Xlog:safepoint and
     * -Xlog:gc files of this process, where its JVM's pauses and allocation stalls are read.
     */
    public RunResult run(Contender c, EventStream s, Path safepointLog, Path gcLog) {
        try {
            if (c == Contender.RH_THREADED) {
                return new ThreadedRunner(burst, gapNanos, budgetNanos).run(s, new JvmGcProbe(safepointLog, gcLog));
            }
            return c.onRefheap() ? runRefheap(c, s, new JvmGcProbe(safepointLog, gcLog))
                    : runJvm(c, s, new JvmGcProbe(safepointLog, gcLog));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Reserved address space for a stream: generous (reserving costs nothing until touched). */
    static long maxBytesFor(EventStream s) {
        return Math.min(32L << 30, Math.max(1L << 30, (long) s.size() << 10));
    }

    // ------------------------------------------------------------------------------- refheap

    private RunResult runRefheap(Contender c, EventStream s, JvmGcProbe jvm) throws IOException {
        HeapConfig config = HEAP_CONFIG.withMaxBytes(maxBytesFor(s));
        if (c == Contender.RH_LATENCY || c == Contender.RH_LATENCY_AUTO) {
            config = config.withCollectionMode(CollectionMode.LOW_LATENCY); // the one setting a user turns on
        }
        try (Heap heap = Heap.create(config)) {
            RefheapBook book = new RefheapBook(heap, s.instruments());
            Gc gc = heap.gc();
            Pauses pauses = new Pauses();
            gc.callbacks().add(pauses);

            // The start of day only allocates: nothing to collect, so the collector waits (a CPython
            // program does the same with gc.disable()), and one full collection follows.
            long t0 = System.nanoTime();
            gc.disable();
            for (int i = 0; i < s.loadEvents(); i++) {
                book.apply(s, i);
            }
            if (c != Contender.RH_OFF) {
                gc.collect(); // the quiet point after loading; not measured
            }
            long loadNanos = System.nanoTime() - t0;
            GapPolicy policy = GapPolicy.of(c, heap, budgetNanos);

            pauses.automaticSteps = c == Contender.RH_LATENCY_AUTO;
            long steps0 = gc.getCandidateStats().steps() + gc.getIncrementalStats().steps();
            long stepNanos0 = gc.getCandidateStats().totalNanos() + gc.getIncrementalStats().totalNanos();
            jvm.start();
            pauses.measuring = true;
            Loop loop = replay(book, s, policy, pauses, null);
            pauses.measuring = false;
            long automaticSteps = 0;
            if (pauses.automaticSteps) {
                // No step ran before measuring (the load ran with the collector disabled), so the
                // longest step so far is the run's.
                long steps = gc.getCandidateStats().steps() + gc.getIncrementalStats().steps() - steps0;
                automaticSteps = steps;
                pauses.addAutomaticSteps(steps, gc.getCandidateStats().totalNanos()
                        + gc.getIncrementalStats().totalNanos() - stepNanos0, Math.max(
                        gc.getCandidateStats().maxStepNanos(), gc.getIncrementalStats().maxStepNanos()));
            }
            long[] jvmPauses = jvm.stop();
            long[] mem = JvmGcProbe.residentMemory();

            long live = heap.liveObjects();
            long bytes = heap.bytesInUse();
            long peak = heap.stats().peakBytesInUse();
            long checksum = book.checksum();
            long garbage = live - book.bookObjects();
            gc.callbacks().remove(pauses);
            gc.collect();
            if (heap.liveObjects() != book.bookObjects()) {
                throw new IllegalStateException(c.key + ": after a full collection the heap holds " + heap.liveObjects()
                        + " objects, but the book needs " + book.bookObjects() + ": something leaked or was freed early");
            }
            return new RunResult(c, jvmDescription(c), loop.latency, s.size() - s.loadEvents(), loop.busyNanos,
                    loop.gaps, loop.gapWorkNanos, loop.overruns, loop.maxOverrun, pauses.count, pauses.total,
                    pauses.max, loop.pausesInBursts + automaticSteps, pauses.total, jvmPauses[0], mem[0], mem[1], garbage,
                    bytes - heap.bytesInUse(), heap.bytesInUse(), peak, checksum, book.orderCount(),
                    book.levelCount(), loadNanos);
        }
    }

    /** refheap's pauses while measuring: every collection (by callback) and every step (by the gap's work). */
    static final class Pauses implements GcCallback {
        boolean measuring;
        boolean inBurst;
        /** Inside a gap's {@code collectStep}: the gap policy records the step's own pause. */
        boolean stepping;
        /**
         * The low-latency mode collecting by itself: a generation-2 "stop" is then the end of a
         * pause-bounded cycle (it never collects generation 2 stop-the-world by itself), whose
         * duration is the sum of the cycle's steps, not a pause; the steps are counted from the
         * collector's figures instead ({@link #addAutomaticSteps}).
         */
        boolean automaticSteps;
        long count;
        long total;
        long max;
        long inBursts;

        @Override
        public void call(String phase, GcInfo info) {
            if (measuring && phase.equals("stop") && !stepping && !(automaticSteps && info.generation() == 2)) {
                record(info.durationNanos());
            }
        }

        /**
         * The automatic steps of a run, from the collector's figures taken before and after it (each
         * is also a pause inside a burst: an allocation triggered it; the caller counts those).
         */
        void addAutomaticSteps(long steps, long nanos, long maxNanos) {
            count += steps;
            total += nanos;
            max = Math.max(max, maxNanos);
        }

        void record(long nanos) {
            count++;
            total += nanos;
            max = Math.max(max, nanos);
            if (inBurst) {
                inBursts++;
            }
        }

        long count() {
            return count;
        }
    }

    /** What a refheap contender does with its collector, in bursts and in gaps. */
    abstract static class GapPolicy {
        abstract void gap(Pauses pauses);

        static GapPolicy of(Contender c, Heap heap, long budgetNanos) {
            Gc gc = heap.gc();
            if (c == Contender.RH_AUTO || c == Contender.RH_LATENCY_AUTO) {
                gc.enable();
            } else {
                gc.disable(); // no automatic collection inside bursts; what the gaps do is below
            }
            return switch (c) {
                case RH_AUTO, RH_OFF, RH_LATENCY_AUTO -> new GapPolicy() {
                    @Override
                    void gap(Pauses pauses) {
                    }
                };
                case RH_MANUAL -> new GapPolicy() {
                    @Override
                    void gap(Pauses pauses) {
                        // CPython's own trigger, deferred to the gap: with the collector enabled, the
                        // allocation of a tracked object runs the collection the thresholds call for
                        // (the oldest generation past its threshold; a full one only under the 25% rule).
                        gc.enable();
                        heap.decref(heap.newList());
                        gc.disable();
                    }
                };
                case RH_STEPPED -> new GapPolicy() {
                    @Override
                    void gap(Pauses pauses) {
                        gc.collect(0); // the young garbage: small, quick
                        step(gc, budgetNanos, pauses);
                    }
                };
                case RH_LATENCY -> latency(gc, budgetNanos);
                default -> throw new IllegalArgumentException("not a refheap contender: " + c);
            };
        }

        /**
         * The low-latency mode (the heap was made with {@link CollectionMode#LOW_LATENCY}): the young
         * garbage, then one budgeted step, which in this mode runs candidate cycles over what decrefs
         * buffered (and a budgeted full cycle only when a candidate's closure outgrew its limit).
         */
        private static GapPolicy latency(Gc gc, long budgetNanos) {
            return new GapPolicy() {
                @Override
                void gap(Pauses pauses) {
                    gc.collect(0);
                    long t0 = System.nanoTime();
                    pauses.stepping = true;
                    try {
                        gc.collectStep(budgetNanos);
                    } finally {
                        pauses.stepping = false;
                    }
                    if (pauses.measuring) {
                        pauses.record(System.nanoTime() - t0);
                    }
                }
            };
        }

        static void step(Gc gc, long budgetNanos, Pauses pauses) {
            pauses.stepping = true;
            try {
                gc.collectStep(budgetNanos);
            } finally {
                pauses.stepping = false;
            }
            if (pauses.measuring) {
                pauses.record(gc.getIncrementalStats().lastStepNanos());
            }
        }
    }

    // ------------------------------------------------------------------------------- the JVM

    private RunResult runJvm(Contender c, EventStream s, JvmGcProbe jvm) throws IOException {
        System.gc(); // the baseline: the JVM heap with the stream but without the book
        long base = heapUsed();
        OrderBook book = c.kind == Contender.Kind.POOLED
                ? new PooledBook(s.instruments(), Math.max(1, s.loadEvents()))
                : new JvmBook(s.instruments());
        long t0 = System.nanoTime();
        for (int i = 0; i < s.loadEvents(); i++) {
            book.apply(s, i);
        }
        System.gc(); // the quiet point after loading; not measured
        long loadNanos = System.nanoTime() - t0;

        jvm.start();
        Pauses none = new Pauses();
        GapPolicy idle = new GapPolicy() {
            @Override
            void gap(Pauses pauses) {
            }
        };
        Loop loop = replay(book, s, idle, none, jvm::pauseCount);
        long[] p = jvm.stop();
        long[] mem = JvmGcProbe.residentMemory();
        long used = heapUsed();
        long checksum = book.checksum();
        System.gc(); // a full collection, as refheap's contenders get one at the end
        long retained = heapUsed();
        return new RunResult(c, jvmDescription(c), loop.latency, s.size() - s.loadEvents(), loop.busyNanos,
                loop.gaps, loop.gapWorkNanos, loop.overruns, loop.maxOverrun, p[0], p[1], p[2], loop.pausesInBursts,
                p[3], -1, mem[0], mem[1], -1, Math.max(0, used - retained), retained - base, -1, checksum, book.orderCount(),
                book.levelCount(), loadNanos);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The flags this JVM runs with (as given on its command line) and its collectors. */
    static String jvmDescription(Contender c) {
        StringBuilder s = new StringBuilder();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-X") && !a.startsWith("-Xlog") || a.startsWith("-XX:+Use")) {
                s.append(a).append(' ');
            }
        }
        return (s.isEmpty() ? "(JVM defaults) " : s.toString()) + "[" + JvmGcProbe.collectorNames() + "]";
    }

    // ------------------------------------------------------------------------------- the loop

    private record Loop(Histogram latency, long busyNanos, long gaps, long gapWorkNanos, long overruns,
            long maxOverrun, long pausesInBursts) {
    }

    /**
     * The measured loop. One clock read per event: an event's time runs from the previous read to the
     * next, so it includes recording the previous value in the histogram (a few ns), never anything
     * from the gaps. refheap's pauses tell by themselves whether they fell inside a burst; for the JVM,
     * {@code jvmPauseCount} is read around each burst: a change means the collector paused while events
     * were waiting.
     */
    private Loop replay(OrderBook book, EventStream s, GapPolicy policy, Pauses pauses, LongSupplier jvmPauseCount) {
        Histogram h = new Histogram(HIGHEST_NANOS, 3);
        long busy = 0;
        long work = 0;
        long gaps = 0;
        long overruns = 0;
        long maxOverrun = 0;
        long inBursts = 0;
        long late = 0; // how late this burst starts: the overrun of the gap before it
        int n = s.size();
        for (int start = s.loadEvents(); start < n; start += burst) {
            int end = Math.min(n, start + burst);
            long before = jvmPauseCount == null ? 0 : jvmPauseCount.getAsLong();
            pauses.inBurst = true;
            long burstStart = System.nanoTime();
            long t0 = burstStart;
            for (int i = start; i < end; i++) {
                book.apply(s, i);
                long t1 = System.nanoTime();
                h.recordValue(Math.min(HIGHEST_NANOS, t1 - t0 + late));
                late = 0;
                t0 = t1;
            }
            pauses.inBurst = false;
            busy += t0 - burstStart;
            if (jvmPauseCount != null) {
                inBursts += jvmPauseCount.getAsLong() - before;
            }
            long gapEnd = t0 + gapNanos;
            policy.gap(pauses);
            long now = System.nanoTime();
            work += now - t0;
            while (now < gapEnd) {
                Thread.onSpinWait();
                now = System.nanoTime();
            }
            gaps++;
            late = now - gapEnd;
            if (late > OVERRUN_NANOS) {
                overruns++;
                maxOverrun = Math.max(maxOverrun, late);
            }
        }
        return new Loop(h, busy, gaps, work, overruns, maxOverrun, inBursts + pauses.inBursts);
    }
}
