// Run (from /work/main):
//   make bench BENCH=CandidateStepBenchmark BENCH_ARGS='-f 1 -wi 2 -w 5s -i 3 -r 10s'
// or, with the jar built:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar CandidateStepBenchmark -f 1 -wi 2 -w 5s -i 3 -r 10s
package org.refheap.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.refheap.CandidateStats;
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
 * The idle gap of a latency-bound program in the low-latency mode: a burst of mutations (rings of
 * ten nodes dropped, each node also linking into the live graph, and live nodes replaced), then one
 * {@code collectStep(200 us)}. Sample mode: the distribution of the step's pause (p99.9, max).
 * Target (issue 12): no step over its budget by more than 20 us. At teardown it prints the candidate
 * collector's own figures and the garbage left waiting (objects above the live set).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class CandidateStepBenchmark {

    @State(Scope.Thread)
    public static class Book {
        @Param({"1000000"})
        public int live;

        /** Rings dropped per burst (ten objects each). */
        @Param({"50"})
        public int rings;

        @Param({"200000"})
        public long budgetNanos;

        Heap heap;
        StructType node;
        StructType.Field next;
        StructType.Field other;
        long root;
        long[] nodes;
        SplittableRandom rnd;
        long liveObjects;
        long maxWaiting;

        @Setup(Level.Trial)
        public void build() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30)
                    .withCollectionMode(CollectionMode.LOW_LATENCY));
            heap.gc().disable();
            node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"),
                    ADDRESS.withName("next"), ADDRESS.withName("other")));
            next = node.field("next");
            other = node.field("other");
            rnd = new SplittableRandom(12);
            nodes = new long[live];
            root = heap.newList();
            for (int i = 0; i < live; i++) {
                nodes[i] = node.allocate();
                heap.lists().append(root, nodes[i]);
                heap.decref(nodes[i]);
            }
            for (long n : nodes) {
                next.setRef(n, nodes[rnd.nextInt(live)]);
            }
            heap.gc().collect();
            liveObjects = heap.liveObjects();
        }

        @Setup(Level.Invocation)
        public void burst() {
            for (int r = 0; r < rings; r++) {
                long first = node.allocate();
                long cur = first;
                for (int i = 1; i < 10; i++) {
                    long x = node.allocate();
                    next.setRef(cur, x);
                    other.setRef(cur, nodes[rnd.nextInt(live)]);
                    heap.decref(x);
                    cur = x;
                }
                next.setRef(cur, first);
                heap.decref(first);
                // A live node replaced: the old one dies by its count, its target loses a reference.
                long n = node.allocate();
                next.setRef(n, nodes[rnd.nextInt(live)]);
                int at = rnd.nextInt(live);
                heap.lists().set(root, at, n);
                heap.decref(n);
                nodes[at] = n;
            }
            maxWaiting = Math.max(maxWaiting, heap.liveObjects() - liveObjects);
        }

        @TearDown(Level.Trial)
        public void close() {
            CandidateStats st = heap.gc().getCandidateStats();
            System.out.println();
            System.out.println("candidate stats: " + st);
            System.out.println("full pause-bounded cycles: " + heap.gc().getIncrementalStats());
            System.out.println("garbage waiting at most: " + maxWaiting + " objects (" + rings * 10 + " per burst)");
            heap.decref(root);
            heap.gc().collect();
            heap.close();
        }
    }

    @Benchmark
    public boolean step_200us(Book b) {
        return b.heap.gc().collectStep(b.budgetNanos);
    }
}
