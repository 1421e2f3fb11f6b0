// Run (from /work/main, after building the bench jar):
//   java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
//       org.refheap.bench.CandidateGapHarness 1000000 isolated 5000
// Arguments: live nodes; "isolated" or "linked" (every node, and every garbage ring node, also links to a
// random live node); bursts.
package org.refheap.bench;

import org.refheap.CollectionMode;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Not a JMH benchmark: the idle gaps of a latency-bound program in the low-latency mode, measured
 * per step. Each burst drops 50 rings of ten nodes and replaces 50 live nodes; each gap is one
 * {@code collectStep(200 us)}. Prints, after the first fifth of the bursts, the percentiles of each
 * step's wall time and of the thread's CPU time over it (on a shared machine the wall time holds
 * the preemptions; the CPU time is what the collector did), and the most garbage that waited.
 */
public final class CandidateGapHarness {
    private CandidateGapHarness() {
    }

    public static void main(String[] a) {
        int live = Integer.parseInt(a[0]);
        boolean linked = a[1].equals("linked");
        int bursts = Integer.parseInt(a[2]);
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        Heap heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30)
                .withCollectionMode(CollectionMode.LOW_LATENCY));
        heap.gc().disable();
        StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"),
                ADDRESS.withName("next"), ADDRESS.withName("other")));
        StructType.Field next = node.field("next");
        StructType.Field other = node.field("other");
        SplittableRandom rnd = new SplittableRandom(12);
        long[] nodes = new long[live];
        long root = heap.newList();
        for (int i = 0; i < live; i++) {
            nodes[i] = node.allocate();
            heap.lists().append(root, nodes[i]);
            heap.decref(nodes[i]);
        }
        if (linked) {
            for (long n : nodes) {
                next.setRef(n, nodes[rnd.nextInt(live)]);
            }
        }
        heap.gc().collect();
        long base = heap.liveObjects();
        long[] wall = new long[bursts];
        long[] cpu = new long[bursts];
        long maxWaiting = 0;
        for (int b = 0; b < bursts; b++) {
            for (int r = 0; r < 50; r++) {
                long first = node.allocate();
                long cur = first;
                for (int i = 1; i < 10; i++) {
                    long x = node.allocate();
                    next.setRef(cur, x);
                    if (linked) {
                        other.setRef(cur, nodes[rnd.nextInt(live)]);
                    }
                    heap.decref(x);
                    cur = x;
                }
                next.setRef(cur, first);
                heap.decref(first);
                long n = node.allocate();
                if (linked) {
                    next.setRef(n, nodes[rnd.nextInt(live)]);
                }
                int at = rnd.nextInt(live);
                heap.lists().set(root, at, n);
                heap.decref(n);
                nodes[at] = n;
            }
            maxWaiting = Math.max(maxWaiting, heap.liveObjects() - base);
            long c0 = tm.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            heap.gc().collectStep(200_000);
            wall[b] = System.nanoTime() - t0;
            cpu[b] = tm.getCurrentThreadCpuTime() - c0;
        }
        int from = bursts / 5; // after the warm-up
        long[] w = Arrays.copyOfRange(wall, from, bursts);
        long[] c = Arrays.copyOfRange(cpu, from, bursts);
        Arrays.sort(w);
        Arrays.sort(c);
        int n = w.length;
        System.out.printf("%s live=%d: steps %d; wall p50 %d p99 %d p99.9 %d max %d us; thread CPU p50 %d p99 %d"
                + " p99.9 %d max %d us%n", a[1], live, n, w[n / 2] / 1000, w[n * 99 / 100] / 1000,
                w[n * 999 / 1000] / 1000, w[n - 1] / 1000, c[n / 2] / 1000, c[n * 99 / 100] / 1000,
                c[n * 999 / 1000] / 1000, c[n - 1] / 1000);
        System.out.println("garbage waiting at most " + maxWaiting + "; " + heap.gc().getCandidateStats() + "; "
                + heap.gc().getIncrementalStats());
        heap.close();
    }
}
