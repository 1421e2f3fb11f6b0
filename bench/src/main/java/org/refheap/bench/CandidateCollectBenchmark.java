// Run (from /work/main):
//   make bench BENCH=CandidateCollectBenchmark BENCH_ARGS='-f 1'
// or, with the jar built:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar CandidateCollectBenchmark -f 1
package org.refheap.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.refheap.CollectionMode;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The cost of collecting the garbage of {@code rings} dropped cycles (rings of ten nodes) in a
 * churned graph of {@code live} objects: the candidate collector ({@code Gc.collectCandidates}, in
 * the low-latency mode) against a full {@code collect()} (the default mode), same graph, same garbage.
 *
 * <p>The live graph is churned: 1.5x the nodes are allocated and a random third dropped, so that
 * blocks are scattered, and the survivors sit in one list in random order, each node linking to a
 * random other live node. Shapes of the garbage:
 * <ul>
 * <li>{@code isolated}: each ring references only itself;</li>
 * <li>{@code linked}: each ring node also references a random live node, so the candidates' closure
 *     follows that node's chain of links into the live graph (Bacon and Rajan's worst case grows
 *     from here: with every live node linked, a closure is a random walk of ~sqrt(live) nodes).</li>
 * </ul>
 * One invocation: the rings are made (not timed), then collected (timed). The live roots that the
 * previous invocation's garbage left behind (their counts dropped when it was freed) stay buffered:
 * the candidate collector pays for them, as it would in a program.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class CandidateCollectBenchmark {

    @State(Scope.Thread)
    public static class Graph {
        @Param({"1000000"})
        public int live;

        @Param({"1000"})
        public int rings;

        @Param({"isolated", "linked"})
        public String shape;

        @Param({"GENERATIONAL", "LOW_LATENCY"})
        public CollectionMode mode;

        Heap heap;
        StructType node;
        StructType.Field next;
        StructType.Field other;
        long root;
        long[] nodes;
        SplittableRandom rnd;
        long liveObjects;

        @Setup(Level.Trial)
        public void build() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30).withCollectionMode(mode));
            heap.gc().disable();
            node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"),
                    ADDRESS.withName("next"), ADDRESS.withName("other")));
            next = node.field("next");
            other = node.field("other");
            rnd = new SplittableRandom(12);
            int made = live + live / 2;
            long[] all = new long[made];
            for (int i = 0; i < made; i++) {
                all[i] = node.allocate();
            }
            for (int i = made - 1; i > 0; i--) { // shuffle, then keep the first `live`
                int j = rnd.nextInt(i + 1);
                long t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
            for (int i = live; i < made; i++) {
                heap.decref(all[i]);
            }
            nodes = java.util.Arrays.copyOf(all, live);
            root = heap.newList();
            for (long n : nodes) {
                heap.lists().append(root, n);
                next.setRef(n, nodes[rnd.nextInt(live)]);
                heap.decref(n);
            }
            heap.gc().collect(); // decides every root the building buffered
            liveObjects = heap.liveObjects();
        }

        /** The garbage: {@code rings} rings of ten nodes, not referenced from anywhere. */
        @Setup(Level.Invocation)
        public void makeGarbage() {
            boolean linked = shape.equals("linked");
            for (int r = 0; r < rings; r++) {
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
            }
        }

        @TearDown(Level.Invocation)
        public void check() {
            if (heap.liveObjects() != liveObjects) {
                throw new IllegalStateException("garbage left: " + (heap.liveObjects() - liveObjects) + " objects");
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            System.out.println();
            System.out.println("candidate stats: " + heap.gc().getCandidateStats());
            heap.decref(root);
            heap.gc().collect();
            heap.close();
        }
    }

    /** The default mode's answer: a full collection, whatever the garbage. */
    @Benchmark
    public long collect(Graph g) {
        if (g.mode == CollectionMode.LOW_LATENCY) {
            return g.heap.gc().collectCandidates();
        }
        return g.heap.gc().collect();
    }
}
