// Run (from the project root, after `mvn -B -q -o -DskipTests install && (cd bench && mvn -B -q -o package -DskipTests)`):
//   java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar org.refheap.bench.LeakToolsRatios
package org.refheap.bench;

import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.StructType;
import org.refheap.cache.LruCache;
import org.refheap.demo.book.EventStream;
import org.refheap.demo.book.MarketGenerator;
import org.refheap.demo.book.RefheapBook;
import org.refheap.trace.Snapshot;
import org.refheap.trace.Statistic;
import org.refheap.trace.Tracemalloc;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The ratios of issue 9 measured on a shared, loaded machine: every variant runs in turn in the same
 * JVM, round after round, and each keeps its best round (the one least disturbed by other processes);
 * a ratio of bests is steadier there than JMH's means (TracemallocBenchmark and LruCacheBenchmark
 * give the same comparisons with JMH's rigour on a quiet machine). Also checks the sampled estimates
 * of the order book's top allocation sites against the exact figures of the same event stream.
 */
public final class LeakToolsRatios {
    static final String[] MODES = {"off", "exact1", "exact8", "sampled"};
    static long sink;

    public static void main(String[] args) {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        String only = args.length > 1 ? args[1] : "all";
        switch (only) {
            case "alloc" -> perAllocation(args.length > 2 ? args[2].split(",") : MODES);
            case "book" -> orderBook(events, args.length > 2 ? args[2].split(",") : new String[] {"off", "exact1", "sampled"});
            case "accuracy" -> sampledAccuracy(events);
            case "lru" -> lru();
            default -> {
                perAllocation(MODES);
                orderBook(events, new String[] {"off", "exact1", "sampled"});
                sampledAccuracy(events);
                lru();
            }
        }
    }

    static void start(Heap heap, String mode) {
        TracemallocBenchmark.startTracing(heap, mode);
    }

    /** {@code modes} in turn in this JVM; one mode per JVM keeps the others' profiles out of the JIT's view. */
    static void perAllocation(String[] MODES) {
        Heap[] heaps = new Heap[MODES.length];
        StructType[] types = new StructType[MODES.length];
        double[] best = new double[MODES.length];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        for (int m = 0; m < MODES.length; m++) {
            heaps[m] = Heap.create();
            types[m] = heaps[m].defineStruct("Quad", structLayout(JAVA_LONG.withName("a"), JAVA_LONG.withName("b"),
                    JAVA_LONG.withName("c"), JAVA_LONG.withName("d")));
            start(heaps[m], MODES[m]);
        }
        for (int round = 0; round < 15; round++) {
            for (int m = 0; m < MODES.length; m++) {
                int n = MODES[m].startsWith("exact") ? 20_000 : 2_000_000;
                StructType t = types[m];
                Heap h = heaps[m];
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    long o = t.allocate();
                    h.decref(o);
                    sink += o;
                }
                best[m] = Math.min(best[m], (System.nanoTime() - t0) / (double) n);
            }
        }
        System.out.println("struct alloc+free, best of 15 rounds (ns), ratio to off:");
        for (int m = 0; m < MODES.length; m++) {
            System.out.printf("  %-8s %10.1f  %7.2fx%n", MODES[m], best[m], best[m] / best[0]);
            heaps[m].close();
        }
    }

    static long replay(EventStream s, String mode) {
        try (Heap heap = Heap.create()) {
            start(heap, mode);
            RefheapBook book = new RefheapBook(heap);
            for (int i = 0, n = s.size(); i < n; i++) {
                book.apply(s, i);
            }
            return book.checksum();
        }
    }

    /** {@code modes} alone in this JVM (one mode per JVM keeps the others' profiles out of the JIT's view). */
    static void orderBook(int events, String[] modes) {
        EventStream s = MarketGenerator.generate(7L, events).stream();
        double[] best = new double[modes.length];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        for (int round = 0; round < 6; round++) {
            for (int m = 0; m < modes.length; m++) {
                long t0 = System.nanoTime();
                sink += replay(s, modes[m]);
                best[m] = Math.min(best[m], (System.nanoTime() - t0) / 1e6);
            }
        }
        System.out.println("order book replay of " + events + " events on a fresh heap, best of 6 (ms), ratio to off:");
        for (int m = 0; m < modes.length; m++) {
            System.out.printf("  %-8s %10.1f  %7.2fx%n", modes[m], best[m], best[m] / best[0]);
        }
    }

    /** The book's live blocks by line, exact and sampled at several rates, at the end of the same stream. */
    static void sampledAccuracy(int events) {
        EventStream s = MarketGenerator.generate(7L, events).stream();
        List<Statistic> exactTop;
        try (Heap heap = Heap.create()) {
            Tracemalloc.of(heap).start(1);
            RefheapBook book = new RefheapBook(heap);
            for (int i = 0; i < s.size(); i++) {
                book.apply(s, i);
            }
            exactTop = Tracemalloc.of(heap).takeSnapshot().statistics(Snapshot.LINENO);
        }
        for (long mean : new long[] {1024, 4096, 16384, 65536}) {
            try (Heap heap = Heap.create()) {
                Tracemalloc.of(heap).startSampled(mean, 1, 12345);
                RefheapBook book = new RefheapBook(heap);
                for (int i = 0; i < s.size(); i++) {
                    book.apply(s, i);
                }
                Snapshot snap = Tracemalloc.of(heap).takeSnapshot();
                Map<String, Statistic> est = new HashMap<>();
                for (Statistic st : snap.statistics(Snapshot.LINENO)) {
                    est.put(st.traceback().toString(), st);
                }
                System.out.println("live blocks at the end, top 3 sites: exact vs sampled every " + mean + " bytes ("
                        + snap.traces().size() + " samples):");
                for (Statistic e : exactTop.subList(0, Math.min(3, exactTop.size()))) {
                    Statistic g = est.get(e.traceback().toString());
                    long gs = g == null ? 0 : g.size();
                    System.out.printf("  %-46s exact %9d B, estimate %9d B (%+.1f%%)%n", e.traceback(), e.size(), gs,
                            100.0 * (gs - e.size()) / e.size());
                }
            }
        }
    }

    static Map<Long, Long> lruMap(int size) {
        return new LinkedHashMap<>(2 * size, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Long> e) {
                return size() > size;
            }
        };
    }

    static void lru() {
        int size = 1024;
        try (Heap heap = Heap.create()) {
            Dicts dicts = heap.dicts();
            LruCache lru = LruCache.create(heap, size);      // hits only: always keys 0..size-1
            LruCache churn = LruCache.create(heap, size);    // inserts and evictions
            long dict = heap.newDict();                      // hits only
            long churnDict = heap.newDict();
            long value = heap.newStr("value");
            long[] keys = new long[2 * size];
            Long[] boxed = new Long[2 * size];
            Map<Long, Long> lhm = lruMap(size);
            Map<Long, Long> churnMap = lruMap(size);
            for (int k = 0; k < keys.length; k++) {
                keys[k] = heap.newInt(100_000 + k);
                boxed[k] = 100_000L + k;
            }
            for (int k = 0; k < size; k++) {
                lru.put(keys[k], value);
                churn.put(keys[k], value);
                dicts.put(dict, keys[k], value);
                dicts.put(churnDict, keys[k], value);
                lhm.put(boxed[k], 1L);
                churnMap.put(boxed[k], 1L);
            }
            String[] names = {"getHit lru", "getHit dict", "getHit linkedHashMap", "missInsertEvict lru",
                    "missInsertEvict dict (put + FIFO remove)", "missInsertEvict linkedHashMap"};
            double[] best = new double[names.length];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            int n = 200_000;
            int[] ring = {size};
            int[] fifo = {size};
            int[] lhmRing = {size};
            for (int round = 0; round < 15; round++) {
                for (int v = 0; v < names.length; v++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        switch (v) {
                            case 0 -> {
                                long x = lru.get(keys[i & (size - 1)]);
                                heap.decref(x);
                            }
                            case 1 -> sink += dicts.get(dict, keys[i & (size - 1)]);
                            case 2 -> sink += lhm.get(boxed[i & (size - 1)]);
                            case 3 -> {
                                int k = ring[0]++ & (2 * size - 1);
                                churn.put(keys[k], value);
                            }
                            case 4 -> {
                                int k = fifo[0]++ & (2 * size - 1);
                                dicts.put(churnDict, keys[k], value);
                                dicts.remove(churnDict, keys[(k + size) & (2 * size - 1)]);
                            }
                            default -> {
                                int k = lhmRing[0]++ & (2 * size - 1);
                                churnMap.put(boxed[k], 1L);
                            }
                        }
                    }
                    best[v] = Math.min(best[v], (System.nanoTime() - t0) / (double) n);
                }
            }
            System.out.println("LRU cache of 1024 entries, best of 15 rounds (ns/op):");
            for (int v = 0; v < names.length; v++) {
                System.out.printf("  %-42s %8.1f%n", names[v], best[v]);
            }
            lru.close();
            churn.close();
        }
    }
}
