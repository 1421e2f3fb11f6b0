// Run (from /work/main):
//   make bench BENCH=CollectBenchmark BENCH_ARGS='-f 1'
// or, with the jar built:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar CollectBenchmark -f 1
// The CPython side of the same shapes: make compare-cpython (bench/cpython/gc_compare.py).
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
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.Lists;

import java.util.concurrent.TimeUnit;

/**
 * The cycle collector's pause, on the shapes {@code bench/cpython/gc_compare.py} measures in CPython:
 * <ul>
 * <li>{@code full_reachable}: one list holding {@code size - 1} lists of one item (None), all
 *     reachable; {@code collect()}.</li>
 * <li>{@code full_garbage}: {@code size / 2} pairs of lists holding each other, dropped;
 *     {@code collect()} finds and frees them all.</li>
 * <li>{@code young_reachable} / {@code young_garbage}: 700 new objects (350 pairs), kept by an old
 *     list or dropped as 2-cycles; {@code collect(0)}.</li>
 * </ul>
 * Full shapes are single-shot (the graph is rebuilt before each iteration, outside the timing);
 * divide the score by {@code size} for the cost per object. Each graph lives in a heap whose arenas
 * are already committed by the previous iteration, so page faults are not in the figure.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class CollectBenchmark {

    @State(Scope.Thread)
    public static class Full {
        @Param({"10000", "100000", "1000000", "5000000"})
        public int size;

        @Param({"reachable", "garbage"})
        public String shape;

        Heap heap;
        long root;

        @Setup(Level.Trial)
        public void open() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30));
            heap.gc().disable();
        }

        @Setup(Level.Iteration)
        public void build() {
            Lists lists = heap.lists();
            if (shape.equals("reachable")) {
                root = Shapes.listOfLists(heap, size, true);
            } else {
                for (int i = 0; i < size / 2; i++) {
                    long a = lists.newList();
                    long b = lists.newList();
                    lists.append(a, b);
                    lists.append(b, a);
                    heap.decref(a);
                    heap.decref(b);
                }
            }
        }

        @TearDown(Level.Iteration)
        public void drop() {
            if (root != 0) {
                heap.decref(root);
                root = 0;
            }
            heap.gc().collect();
            if (heap.liveObjects() != 0) {
                throw new IllegalStateException("heap not empty after an iteration: " + heap.stats());
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 5)
    public long collect_full(Full s) {
        return s.heap.gc().collect();
    }

    @State(Scope.Thread)
    public static class Young {
        @Param({"reachable", "garbage"})
        public String shape;

        Heap heap;
        long root;
        int rounds;

        @Setup(Level.Trial)
        public void open() {
            heap = Heap.create();
            heap.gc().disable();
            root = heap.lists().newList();
            heap.gc().collect(); // root is old now
        }

        @Setup(Level.Invocation)
        public void build() {
            Lists lists = heap.lists();
            boolean garbage = shape.equals("garbage");
            for (int i = 0; i < 350; i++) {
                long a = lists.newList();
                long b = lists.newList();
                if (garbage) {
                    lists.append(a, b);
                    lists.append(b, a);
                } else {
                    lists.append(a, heap.none());
                    lists.append(b, heap.none());
                    lists.append(root, a);
                    lists.append(root, b);
                }
                heap.decref(a);
                heap.decref(b);
            }
            if (++rounds % 64 == 0) {
                lists.clear(root); // keep the old generation from growing without bound
                heap.gc().collect();
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long collect_young700(Young s) {
        return s.heap.gc().collect(0);
    }
}
