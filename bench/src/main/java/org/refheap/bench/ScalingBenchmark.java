// Run (from /work/main):
//   make bench BENCH=ScalingBenchmark BENCH_ARGS='-f 1'
// or, with the jar built:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar ScalingBenchmark -f 1
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
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * How costs scale with the heap:
 * <ul>
 * <li>{@code allocFree_liveHeap}: allocate a 32-byte struct, write a field, free it, with
 *     {@code live} other objects alive. Flat is the goal.</li>
 * <li>{@code youngCollect_oldGen}: {@code collect(0)} of 700 new objects (kept by an old list) with
 *     {@code live} objects in the old generation. Flat is the generational promise.</li>
 * </ul>
 * Full collection against heap size is {@link CollectBenchmark#collect_full}.
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
public class ScalingBenchmark {

    @State(Scope.Thread)
    public static class Live {
        @Param({"1000", "100000", "1000000", "10000000"})
        public int live;

        Heap heap;
        StructType type;
        StructType.Field a;
        long root;

        @Setup(Level.Trial)
        public void build() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30));
            heap.gc().disable();
            type = heap.defineStruct("Order", MemoryLayout.structLayout(
                    JAVA_LONG.withName("a"), JAVA_LONG.withName("b"), JAVA_LONG.withName("c"), JAVA_LONG.withName("d")));
            a = type.field("a");
            root = Shapes.listOfLists(heap, live + 1, false);
            heap.gc().collect();
        }

        @TearDown(Level.Trial)
        public void close() {
            Shapes.dispose(heap, root);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long allocFree_liveHeap(Live s) {
        long o = s.type.allocate();
        s.a.setLong(o, 42);
        s.heap.decref(o);
        return o;
    }

    @State(Scope.Thread)
    public static class Old {
        @Param({"0", "100000", "1000000", "5000000"})
        public int old;

        Heap heap;
        long root;
        long young;
        int rounds;

        @Setup(Level.Trial)
        public void build() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30));
            heap.gc().disable();
            Lists lists = heap.lists();
            root = Shapes.listOfLists(heap, old + 1, false);
            young = lists.newList();
            lists.append(root, young);
            heap.decref(young);
            heap.gc().collect();
        }

        @Setup(Level.Invocation)
        public void makeYoung() {
            Lists lists = heap.lists();
            for (int i = 0; i < 700; i++) {
                long l = lists.newList();
                lists.append(young, l);
                heap.decref(l);
            }
            if (++rounds % 64 == 0) {
                lists.clear(young);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            Shapes.dispose(heap, root);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long youngCollect_oldGen(Old s) {
        return s.heap.gc().collect(0);
    }
}
