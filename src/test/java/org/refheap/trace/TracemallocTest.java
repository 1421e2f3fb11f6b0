package org.refheap.trace;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refheap.AllocationListener;
import org.refheap.Heap;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.refheap.layout.BuiltinLayouts.STR_DATA;

class TracemallocTest {
    private static final String FILE = "org/refheap/trace/TracemallocTest.java";
    private Heap heap;
    private Tracemalloc tm;

    @BeforeEach
    void open() {
        heap = Heap.create();
        tm = Tracemalloc.of(heap);
    }

    @AfterEach
    void close() {
        heap.close();
    }

    /** The caller's own line. */
    private static int lineHere() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber());
    }

    /** Lines where {@link #fill} allocates its strs and appends them. */
    private int strLine;
    private int appendLine;
    private int fillCallLine;

    /** CPython's example: a list of n strs of 10 bytes each, returned. */
    private long fill(int n) {
        long list = heap.newList();
        for (int i = 0; i < n; i++) {
            strLine = lineHere() + 1;
            long s = heap.newStr(String.format("item%06d", i));
            appendLine = lineHere() + 1;
            heap.lists().append(list, s);
            heap.decref(s);
        }
        return list;
    }

    private long callFill(int n) {
        fillCallLine = lineHere() + 1;
        return fill(n);
    }

    @Test
    void shouldPutTheStrAllocationOnTopOfTheDiffWithItsExactCountAndSize() {
        tm.start(1);
        Snapshot before = tm.takeSnapshot();
        long list = fill(10_000);
        Snapshot after = tm.takeSnapshot();
        List<StatisticDiff> top = after.compareTo(before, Snapshot.LINENO);

        StatisticDiff first = top.get(0);
        assertEquals(new Frame(FILE, strLine), first.traceback().mostRecent(), top.toString());
        assertEquals(10_000, first.count());
        assertEquals(10_000, first.countDiff());
        assertEquals(10_000L * (STR_DATA + 10), first.size());
        assertEquals(first.size(), first.sizeDiff());
        // The list's item array was reallocated as it grew: only the last one is alive, at the append.
        StatisticDiff items = top.stream().filter(d -> d.traceback().mostRecent().lineno() == appendLine)
                .findFirst().orElseThrow();
        assertEquals(1, items.count(), top.toString());
        assertEquals(FILE + ":" + strLine + ": size=" + Sizes.format(first.size(), false) + " ("
                + Sizes.format(first.size(), true) + "), count=10000 (+10000), average=42 B", first.toString());
        heap.decref(list);
    }

    @Test
    void shouldRemoveTracesTheMomentTheirBlocksAreFreed() {
        tm.start(1);
        int base = tm.traceCount();
        long list = fill(1000);
        assertTrue(tm.traceCount() >= base + 1001);
        long traced = tm.getTracedMemory().current();
        heap.decref(list);
        assertEquals(base, tm.traceCount());
        assertEquals(0, tm.getTracedMemory().current());
        assertTrue(tm.getTracedMemory().peak() >= traced, "the peak includes the item arrays while they moved");
        assertTrue(tm.takeSnapshot().traces().isEmpty());
        tm.resetPeak();
        assertEquals(0, tm.getTracedMemory().peak());
    }

    @Test
    void shouldGroupByFilenameLinenoAndTraceback() {
        tm.start(2);
        long list = callFill(100);
        Snapshot snap = tm.takeSnapshot();

        List<Statistic> byFile = snap.statistics(Snapshot.FILENAME);
        assertEquals(1, byFile.size(), byFile.toString());
        assertEquals(new Frame(FILE, 0), byFile.get(0).traceback().get(0));
        long total = snap.traces().stream().mapToLong(Trace::size).sum();
        assertEquals(total, byFile.get(0).size());
        assertEquals(snap.traces().size(), byFile.get(0).count());

        List<Statistic> byTraceback = snap.statistics(Snapshot.TRACEBACK);
        Statistic strs = byTraceback.get(0);
        assertEquals(List.of(new Frame(FILE, fillCallLine), new Frame(FILE, strLine)), strs.traceback().asList());
        assertEquals(100, strs.count());

        // Cumulative: the call line of fill gets every block, the str line only the strs.
        Map<Integer, Statistic> cumulative = new HashMap<>();
        for (Statistic s : snap.statistics(Snapshot.LINENO, true)) {
            cumulative.put(s.traceback().get(0).lineno(), s);
        }
        assertEquals(total, cumulative.get(fillCallLine).size());
        assertEquals(100, cumulative.get(strLine).count());
        assertEquals(100L * (STR_DATA + 10), cumulative.get(strLine).size());
        heap.decref(list);
    }

    @Test
    void shouldSortStatisticsAsCPythonDoes() {
        tm.start(1);
        long list = fill(50);
        List<Statistic> stats = tm.takeSnapshot().statistics(Snapshot.LINENO);
        for (int i = 1; i < stats.size(); i++) {
            Statistic a = stats.get(i - 1);
            Statistic b = stats.get(i);
            assertTrue(a.size() > b.size() || a.size() == b.size() && (a.count() > b.count()
                    || a.count() == b.count() && a.traceback().compareTo(b.traceback()) > 0), stats.toString());
        }
        heap.decref(list);
    }

    @Test
    void shouldReportFreedGroupsInTheDiffWithZeroSize() {
        tm.start(1);
        long list = fill(20);
        Snapshot before = tm.takeSnapshot();
        heap.decref(list);
        List<StatisticDiff> diff = tm.takeSnapshot().compareTo(before, Snapshot.LINENO);
        StatisticDiff strs = diff.get(0);
        assertEquals(strLine, strs.traceback().get(0).lineno());
        assertEquals(0, strs.size());
        assertEquals(-20, strs.countDiff());
        assertEquals(-20L * (STR_DATA + 10), strs.sizeDiff());
        assertTrue(strs.toString().endsWith("size=0 B (-840 B), count=0 (-20)"), strs.toString());
    }

    @Test
    void shouldTellWhereAnObjectWasAllocated() {
        long early = heap.newInt(1000);
        tm.start(3);
        int line = lineHere() + 1;
        long late = heap.newInt(1001);
        Traceback tb = tm.getObjectTraceback(late);
        assertNotNull(tb);
        assertEquals(new Frame(FILE, line), tb.mostRecent());
        assertTrue(tb.size() <= 3);
        assertNull(tm.getObjectTraceback(early), "allocated before start");
        heap.decref(early);
        heap.decref(late);
        assertThrows(RuntimeException.class, () -> tm.getObjectTraceback(late));
    }

    @Test
    void shouldTraceStructsAllocatedThroughTheSmallPath() {
        var type = heap.defineStruct("Point", java.lang.foreign.MemoryLayout.structLayout(
                java.lang.foreign.ValueLayout.JAVA_LONG.withName("x")));
        tm.start(1);
        int line = lineHere() + 1;
        long p = type.allocate();
        Traceback tb = tm.getObjectTraceback(p);
        assertEquals(new Frame(FILE, line), tb.mostRecent());
        assertEquals(1, tm.traceCount());
        heap.decref(p);
        assertEquals(0, tm.traceCount());
    }

    @Test
    void shouldFilterByFileLineAllFramesAndDomain() {
        tm.start(2);
        long list = callFill(30);
        Snapshot snap = tm.takeSnapshot();
        int all = snap.traces().size();
        assertEquals(all, snap.filterTraces(List.of(new Filter(true, "org/refheap/trace/*"))).traces().size());
        assertEquals(all, snap.filterTraces(List.of(new Filter(true, "*Tracemalloc?est.java"))).traces().size());
        assertEquals(0, snap.filterTraces(List.of(new Filter(false, "*/trace/[T]*"))).traces().size());
        assertEquals(all, snap.filterTraces(List.of(new Filter(true, "*/trace/[!X]*"))).traces().size());
        assertEquals(0, snap.filterTraces(List.of(new Filter(true, "*.kt"))).traces().size());
        assertEquals(all, snap.filterTraces(List.of()).traces().size());

        assertEquals(30, snap.filterTraces(List.of(new Filter(true, FILE, strLine))).traces().size());
        assertEquals(all - 30, snap.filterTraces(List.of(new Filter(false, FILE, strLine))).traces().size());
        // The call line is never the most recent frame, but allFrames finds it in every traceback.
        assertEquals(0, snap.filterTraces(List.of(new Filter(true, FILE, fillCallLine))).traces().size());
        assertEquals(all, snap.filterTraces(List.of(new Filter(true, FILE, fillCallLine, true, null))).traces().size());
        assertEquals(0, snap.filterTraces(List.of(new Filter(false, FILE, fillCallLine, true, null))).traces().size());
        // Inclusive filters are OR-ed; an exclusive one drops what it matches.
        assertEquals(30 + 1, snap.filterTraces(List.of(new Filter(true, FILE, strLine),
                new DomainFilter(true, AllocationListener.DOMAIN_RAW))).traces().size());
        assertEquals(30 + 1, snap.filterTraces(List.of(new Filter(true, FILE, null, false, AllocationListener.DOMAIN_OBJECT),
                new Filter(false, FILE, appendLine))).traces().size(), "the strs and the list itself");

        long raw = snap.traces().stream().filter(t -> t.domain() == AllocationListener.DOMAIN_RAW).count();
        assertEquals(1, raw, "the list's one live item array");
        assertEquals(raw, snap.filterTraces(List.of(new DomainFilter(true, 1))).traces().size());
        assertEquals(all - raw, snap.filterTraces(List.of(new DomainFilter(false, 1))).traces().size());
        // Filter's domain: inclusive needs both, exclusive drops only matches in that domain.
        assertEquals(0, snap.filterTraces(List.of(new Filter(true, FILE, strLine, false, 1))).traces().size());
        assertEquals(all, snap.filterTraces(List.of(new Filter(false, FILE, strLine, false, 1))).traces().size());
        heap.decref(list);
    }

    @Test
    void shouldRoundTripThroughDumpAndLoad(@TempDir Path dir) {
        tm.start(4);
        long list = callFill(200);
        long d = heap.newDict();
        long k = heap.newStr("key");
        heap.dicts().put(d, k, list);
        heap.decref(k);
        Snapshot snap = tm.takeSnapshot();
        Path file = dir.resolve("snap.bin");
        snap.dump(file);
        Snapshot back = Snapshot.load(file);
        assertEquals(snap.tracebackLimit(), back.tracebackLimit());
        assertEquals(snap.sampleMean(), back.sampleMean());
        assertEquals(multiset(snap.traces()), multiset(back.traces()));
        assertEquals(snap.statistics(Snapshot.TRACEBACK), back.statistics(Snapshot.TRACEBACK));
        assertTrue(back.compareTo(snap, Snapshot.LINENO).stream().allMatch(x -> x.sizeDiff() == 0 && x.countDiff() == 0));
        heap.decref(d);
        heap.decref(list);
    }

    private static Map<Trace, Integer> multiset(List<Trace> traces) {
        Map<Trace, Integer> m = new HashMap<>();
        for (Trace t : traces) {
            m.merge(t, 1, Integer::sum);
        }
        return m;
    }

    @Test
    void shouldRefuseMisuseWithClearMessages() {
        assertThrows(IllegalStateException.class, tm::takeSnapshot);
        assertThrows(IllegalArgumentException.class, () -> tm.start(0));
        assertThrows(IllegalArgumentException.class, () -> tm.start(Tracemalloc.MAX_NFRAME + 1));
        assertThrows(IllegalArgumentException.class, () -> tm.startSampled(0, 1));
        tm.start(1);
        assertThrows(IllegalStateException.class, () -> tm.startSampled(4096, 1));
        Snapshot s = tm.takeSnapshot();
        assertThrows(IllegalArgumentException.class, () -> s.statistics("line"));
        assertThrows(IllegalArgumentException.class, () -> s.statistics(Snapshot.TRACEBACK, true));
        assertThrows(IllegalArgumentException.class, () -> Tracemalloc.startFromProperty(heap, "many"));
        assertThrows(IllegalArgumentException.class, () -> Tracemalloc.framesFromProperty("-1"));
        assertThrows(IllegalArgumentException.class, () -> Tracemalloc.framesFromProperty("65536"));
        assertThrows(IllegalStateException.class, () -> heap.setAllocationListener(new AllocationListener() {
            public void allocated(long a, long s2, int d) {
            }

            public void freed(long a) {
            }
        }));
        tm.stop();
        assertFalse(tm.isTracing());
        assertEquals(new TracedMemory(0, 0), tm.getTracedMemory());
    }

    @Test
    void shouldStartFromThePropertyValueAndKeepTracesWhenTheLimitChanges() {
        Tracemalloc.startFromProperty(heap, "0");
        assertFalse(tm.isTracing());
        Tracemalloc.startFromProperty(heap, " 3 ");
        assertTrue(tm.isTracing());
        assertEquals(3, tm.getTracebackLimit());
        long a = heap.newInt(5000);
        tm.start(1);
        assertEquals(1, tm.getTracebackLimit());
        assertNotNull(tm.getObjectTraceback(a));
        tm.clearTraces();
        assertTrue(tm.isTracing());
        assertNull(tm.getObjectTraceback(a));
        assertEquals(0, tm.getTracedMemory().current());
        assertTrue(tm.getTracemallocMemory() > 0);
        heap.decref(a);
    }

    @Test
    void shouldFormatSizesAsCPython() {
        assertEquals("512 B", Sizes.format(512, false));
        assertEquals("10.0 KiB", Sizes.format(10240, false));
        assertEquals("1206 KiB", Sizes.format(1234567, false));
        assertEquals("-2048 B", Sizes.format(-2048, true));
        assertEquals("+0 B", Sizes.format(0, true));
        assertEquals("2 B", Sizes.format(2.5, false), "Python rounds half to even");
        assertEquals("+1229 KiB", Sizes.format(1.2 * 1024 * 1024, true));
        assertEquals("+12.5 MiB", Sizes.format(12.5 * 1024 * 1024, true));
        assertEquals("<unknown>:0", new Traceback(List.of(Frame.UNKNOWN)).toString());
        Traceback tb = new Traceback(List.of(new Frame("a/A.java", 1), new Frame("b/B.java", 2), new Frame("c/C.java", 3)));
        assertEquals(List.of("  File \"b/B.java\", line 2", "  File \"c/C.java\", line 3"), tb.format(2, false));
        assertEquals(List.of("  File \"a/A.java\", line 1"), tb.format(-2, true), "all but the 2 most recent");
        assertEquals(List.of("  File \"c/C.java\", line 3", "  File \"b/B.java\", line 2", "  File \"a/A.java\", line 1"),
                tb.format(null, true));
    }

    /** Sites of the seeded workload, and its sizes: a few large blocks and many small ones. */
    private int[] sampleSites = new int[3];

    private long[] workload(Heap h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] keep = new long[60_000];
        for (int i = 0; i < keep.length; i++) {
            switch (i % 3) {
                case 0 -> {
                    sampleSites[0] = lineHere() + 1;
                    keep[i] = h.newBytes(new byte[8 + r.nextInt(48)]);
                }
                case 1 -> {
                    sampleSites[1] = lineHere() + 1;
                    keep[i] = h.newBytes(new byte[200 + r.nextInt(400)]);
                }
                default -> {
                    sampleSites[2] = lineHere() + 1;
                    keep[i] = h.newBytes(new byte[2000 + r.nextInt(3000)]);
                }
            }
        }
        return keep;
    }

    @Test
    void shouldEstimateTheTopSitesWithinTenPercentWhenSampling() {
        long seed = System.nanoTime();
        System.out.println("TracemallocTest sampling seed " + seed);
        tm.start(1);
        long[] exactObjs = workload(heap, seed);
        Map<Integer, Statistic> exact = byLine(tm.takeSnapshot());
        tm.stop();
        for (long o : exactObjs) {
            heap.decref(o);
        }
        // One sample per KiB: the small site (~1.3 MB of 8-56 byte blocks) gets ~1300 samples, so its
        // estimates' standard error is under 3% and the 10% bound is more than 3 of them.
        tm.startSampled(1024, 1, seed);
        long[] sampledObjs = workload(heap, seed);
        Snapshot sampled = tm.takeSnapshot();
        assertTrue(sampled.isSampled());
        assertTrue(sampled.traces().size() < exactObjs.length * 6 / 10, "a sample, not everything: " + sampled.traces().size());
        Map<Integer, Statistic> est = byLine(sampled);
        for (int line : sampleSites) {
            Statistic e = exact.get(line);
            Statistic s = est.get(line);
            assertEquals(e.size(), s.size(), 0.10 * e.size(), "size at line " + line + ", seed " + seed);
            assertEquals(e.count(), s.count(), 0.10 * e.count(), "count at line " + line + ", seed " + seed);
        }
        long total = exact.values().stream().mapToLong(Statistic::size).sum();
        assertEquals(total, tm.getTracedMemory().current(), 0.10 * total, "seed " + seed);
        for (long o : sampledObjs) {
            heap.decref(o);
        }
        assertEquals(0, tm.traceCount());
        assertEquals(0, tm.getTracedMemory().current());
    }

    private static Map<Integer, Statistic> byLine(Snapshot snap) {
        Map<Integer, Statistic> m = new HashMap<>();
        for (Statistic s : snap.statistics(Snapshot.LINENO)) {
            m.put(s.traceback().get(0).lineno(), s);
        }
        return m;
    }

    @Test
    void shouldAllocateNothingPerAllocationWhenOff() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        List<Long> perRound = new ArrayList<>();
        tm.start(1);
        heap.decref(heap.newInt(1000));
        tm.stop();
        for (int round = 0; round < 5; round++) {
            long before = bean.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 100_000; i++) {
                long l = heap.newList();
                long x = heap.newInt(1000 + i);
                heap.lists().append(l, x);
                heap.decref(x);
                heap.decref(l);
            }
            perRound.add(bean.getThreadAllocatedBytes(tid) - before);
        }
        // 300,000 allocations a round: any Java allocation per block would show as megabytes.
        assertTrue(perRound.get(perRound.size() - 1) < 64 * 1024, "bytes allocated per round " + perRound);
    }
}
