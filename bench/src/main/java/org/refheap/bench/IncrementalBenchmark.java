// Run (from /work/main):
//   make bench BENCH=IncrementalBenchmark BENCH_ARGS='-f 1'
// or, with the jar built:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar IncrementalBenchmark -f 1
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

import java.util.concurrent.TimeUnit;

/**
 * The pause-bounded collector on a heap of {@code size} tracked objects (one list of one-item lists,
 * as {@link CollectBenchmark}'s reachable shape):
 * <ul>
 * <li>{@code step_100us}: the pause of one {@code collectStep(100_000)} (sample mode: its
 *     distribution, max included). Target: under budget + 20 us.</li>
 * <li>{@code cycle_steps100us}: a whole cycle made of 100 us steps, all steps summed.</li>
 * <li>{@code cycle_stopTheWorld}: one {@code collect()} on the same heap. Target: a cycle of steps
 *     costs at most 1.5x this.</li>
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class IncrementalBenchmark {

    @State(Scope.Thread)
    public static class Big {
        @Param({"5000000"})
        public int size;

        Heap heap;
        long root;

        @Setup(Level.Trial)
        public void build() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30));
            heap.gc().disable();
            root = Shapes.listOfLists(heap, size, true);
            heap.gc().collect();
        }

        @TearDown(Level.Trial)
        public void close() {
            Shapes.dispose(heap, root);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 2, time = 2)
    @Measurement(iterations = 5, time = 2)
    public boolean step_100us(Big s) {
        return s.heap.gc().collectStep(100_000);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long cycle_steps100us(Big s) {
        long steps = 1;
        while (!s.heap.gc().collectStep(100_000)) {
            steps++;
        }
        return steps;
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long cycle_stopTheWorld(Big s) {
        return s.heap.gc().collect();
    }
}
