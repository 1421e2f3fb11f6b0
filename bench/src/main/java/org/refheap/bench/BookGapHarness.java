// Run (from /work/main, after building the bench jar):
//   java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
//       org.refheap.bench.BookGapHarness 1000000 300000 step 200
//   java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
//       org.refheap.bench.BookGapHarness 1000000 20000 drain
// Arguments: live orders; measured events; "step" with a budget in microseconds per gap, or "drain"
// (collectCandidates after every burst); optional "nohuge" to run without transparent huge pages.
package org.refheap.bench;

import org.refheap.CandidateStats;
import org.refheap.CollectionMode;
import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.alloc.ReleasePolicy;
import org.refheap.demo.book.EventStream;
import org.refheap.demo.book.MarketGenerator;
import org.refheap.demo.book.RefheapBook;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Not a JMH benchmark: the demo's scaled order book in the low-latency mode, its idle gaps measured
 * one by one. After the load and a full collection, bursts of 500 events; in each gap a young
 * collection and then either one {@code collectStep(budget)} ("step": the demo's {@code rh-latency}),
 * or {@code collectCandidates()} ("drain": what the buffered roots of one burst cost to decide, stop
 * the world). Every 100 bursts it prints the garbage waiting (live objects less the book's own), the
 * roots waiting, candidate and full cycles; at the end the percentiles of the thread's CPU time per
 * gap (the wall time of a shared machine holds its preemptions) and, for "drain", the objects
 * examined per burst and the CPU per object examined.
 */
public final class BookGapHarness {
    private static final int BURST = 500;

    private BookGapHarness() {
    }

    public static void main(String[] a) {
        int live = Integer.parseInt(a[0]);
        int events = Integer.parseInt(a[1]);
        boolean drain = a[2].equals("drain");
        long budget = drain ? 0 : Long.parseLong(a[3]) * 1000;
        boolean huge = !(a.length > 4 && a[4].equals("nohuge") || a.length > 3 && a[3].equals("nohuge"));
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        EventStream s = MarketGenerator.forLive(42, live, events).stream();
        HeapConfig config = HeapConfig.defaults().withMaxBytes(Math.max(1L << 30, (long) s.size() << 10))
                .withReleasePolicy(ReleasePolicy.LATENCY).withCollectionMode(CollectionMode.LOW_LATENCY)
                .withHugePages(huge);
        try (Heap heap = Heap.create(config)) {
            RefheapBook book = new RefheapBook(heap, s.instruments());
            Gc gc = heap.gc();
            gc.disable();
            for (int i = 0; i < s.loadEvents(); i++) {
                book.apply(s, i);
            }
            gc.collect();
            System.out.printf("%d instruments, %d levels, %d orders; %s; huge pages %s%n", s.instruments(),
                    book.levelCount(), book.orderCount(), drain ? "drain per burst" : "collectStep(" + budget / 1000
                            + " us) per burst", heap.hugePages());
            long[] cpu = new long[events / BURST + 1];
            long examined0 = gc.getCandidateStats().examined();
            long maxGarbage = 0;
            int bursts = 0;
            for (int i = s.loadEvents(); i < s.size(); i++) {
                book.apply(s, i);
                if ((i - s.loadEvents()) % BURST != BURST - 1) {
                    continue;
                }
                gc.collect(0);
                long c0 = tm.getCurrentThreadCpuTime();
                if (drain) {
                    gc.collectCandidates();
                } else {
                    gc.collectStep(budget);
                }
                cpu[bursts] = tm.getCurrentThreadCpuTime() - c0;
                if (++bursts % 100 == 0) {
                    long garbage = heap.liveObjects() - book.bookObjects();
                    maxGarbage = Math.max(maxGarbage, garbage);
                    CandidateStats c = gc.getCandidateStats();
                    System.out.printf("burst %d: garbage %d, roots waiting %d, candidate cycles %d (collected %d),"
                            + " full cycles %d%n", bursts, garbage, c.buffered(), c.cycles(), c.collected(),
                            gc.getIncrementalStats().cycles());
                }
            }
            long[] sorted = Arrays.copyOf(cpu, bursts);
            Arrays.sort(sorted);
            System.out.printf("CPU per gap: p50 %d, p99 %d, p99.9 %d, max %d us; most garbage waiting %d%n",
                    at(sorted, 0.5) / 1000, at(sorted, 0.99) / 1000, at(sorted, 0.999) / 1000,
                    bursts == 0 ? 0 : sorted[bursts - 1] / 1000, maxGarbage);
            if (drain && bursts > 0) {
                long examined = gc.getCandidateStats().examined() - examined0;
                long total = 0;
                for (long c : sorted) {
                    total += c;
                }
                System.out.printf("drain: %d objects examined per burst, %.0f ns of CPU per object examined%n",
                        examined / bursts, (double) total / examined);
            }
        }
    }

    private static long at(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }
}
