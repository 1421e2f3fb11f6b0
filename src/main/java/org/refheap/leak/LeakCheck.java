package org.refheap.leak;

import org.refheap.Heap;
import org.refheap.ObjectSizes;
import org.refheap.graph.RefGraph;
import org.refheap.trace.Snapshot;
import org.refheap.trace.StatisticDiff;
import org.refheap.trace.Tracemalloc;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An exact leak check around a piece of code: {@link #begin} collects and records the live objects
 * (and starts tracemalloc unless it already runs), {@link #end} collects again and, if more objects
 * are alive than before, throws a {@link LeakError} that says what grew: the allocation sites
 * (tracemalloc's diff), the types (objgraph's growth) and why the largest new object is alive (its
 * chain from a root held from Java). Netty's detector samples and waits for the JVM's GC; Arrow's
 * reports at close without a path; this one is exact and immediate. For any test framework;
 * {@link LeakCheckExtension} wires it into JUnit 5.
 */
public final class LeakCheck {
    /** Frames per traceback when the check starts tracemalloc itself. */
    public static final int DEFAULT_FRAMES = 4;
    private static final int TOP = 10;

    private final Heap heap;
    private final boolean startedTracing;
    private final long liveBefore;
    private final Map<String, Long> typesBefore;
    private final Set<Long> objectsBefore;
    private final Snapshot before;

    private LeakCheck(Heap heap, int nframe) {
        this.heap = heap;
        heap.gc().collect();
        Tracemalloc tm = Tracemalloc.of(heap);
        this.startedTracing = nframe > 0 && !tm.isTracing();
        if (startedTracing) {
            tm.start(nframe);
        }
        this.before = tm.isTracing() ? tm.takeSnapshot() : null;
        this.liveBefore = heap.liveObjects();
        this.typesBefore = heap.stats().liveByType();
        this.objectsBefore = new HashSet<>();
        for (long o : RefGraph.build(heap).objects()) {
            objectsBefore.add(o);
        }
    }

    /** Starts a check on {@code heap}, tracing allocations with {@link #DEFAULT_FRAMES} frames. */
    public static LeakCheck begin(Heap heap) {
        return begin(heap, DEFAULT_FRAMES);
    }

    /** Starts a check; {@code nframe} 0 traces nothing (the report then has no allocation sites). */
    public static LeakCheck begin(Heap heap, int nframe) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        if (nframe < 0) {
            throw new IllegalArgumentException("nframe must be >= 0, got " + nframe);
        }
        return new LeakCheck(heap, nframe);
    }

    /**
     * Collects, compares and stops the tracing this check started. Throws {@link LeakError} with the
     * report if more objects are alive than at {@link #begin}.
     */
    public void end() {
        String report;
        long grown;
        try {
            heap.gc().collect();
            grown = heap.liveObjects() - liveBefore;
            report = grown > 0 ? report(grown) : null;
        } finally {
            if (startedTracing) {
                Tracemalloc.of(heap).stop();
            }
        }
        if (report != null) {
            throw new LeakError(report, grown);
        }
    }

    private String report(long grown) {
        StringBuilder sb = new StringBuilder();
        sb.append("heap #").append(heap.id()).append(" holds ").append(grown).append(" more live object")
                .append(grown == 1 ? "" : "s").append(" than before (").append(liveBefore).append(" -> ")
                .append(heap.liveObjects()).append(", after a collection)\n");
        Tracemalloc tm = Tracemalloc.of(heap);
        if (before != null && tm.isTracing()) {
            sb.append("[ Top ").append(TOP).append(" allocation sites that grew ]\n");
            List<StatisticDiff> diff = tm.takeSnapshot().compareTo(before, Snapshot.TRACEBACK);
            int shown = 0;
            for (StatisticDiff d : diff) {
                if (d.countDiff() <= 0 || shown == TOP) {
                    continue;
                }
                shown++;
                sb.append(d.traceback().mostRecent()).append(": size=+").append(d.sizeDiff()).append(" B, count=+")
                        .append(d.countDiff()).append('\n');
                for (String line : d.traceback().format(null, true)) {
                    sb.append(line).append('\n');
                }
            }
        }
        sb.append("[ Types that grew ]\n");
        Map<String, Long> now = new TreeMap<>(heap.stats().liveByType());
        now.forEach((type, count) -> {
            long delta = count - typesBefore.getOrDefault(type, 0L);
            if (delta > 0) {
                sb.append(type).append(' ').append(count).append(" +").append(delta).append('\n');
            }
        });
        RefGraph g = RefGraph.build(heap);
        long largest = 0;
        long largestSize = -1;
        for (long o : g.objects()) {
            if (!objectsBefore.contains(o)) {
                long s = ObjectSizes.sizeof(heap, o);
                if (s > largestSize) {
                    largest = o;
                    largestSize = s;
                }
            }
        }
        if (largest != 0) {
            sb.append("[ Why the largest new object is alive ]\n");
            RefGraph.Chain chain = g.whyAlive(largest);
            if (chain == null) {
                sb.append(describe(largest)).append(": nothing outside the heap holds it (uncollectable?)\n");
            } else {
                List<String> parts = new ArrayList<>();
                for (long o : chain.path()) {
                    parts.add(describe(o));
                }
                sb.append(String.join(" -> ", parts)).append("\n  the first is held by ").append(chain.rootExternalRefs())
                        .append(" reference").append(chain.rootExternalRefs() == 1 ? "" : "s")
                        .append(" from Java (a field, a local, a handle not closed)\n");
                if (tm.isTracing()) {
                    var tb = tm.getObjectTraceback(chain.root());
                    if (tb != null) {
                        sb.append("  it was allocated at ").append(tb.mostRecent()).append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    private String describe(long o) {
        return heap.typeOf(o).name() + "@0x" + Long.toHexString(o);
    }
}
