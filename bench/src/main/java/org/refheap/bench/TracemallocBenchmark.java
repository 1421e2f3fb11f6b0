// Run (from the project root, after `mvn -B -q -o -DskipTests install && (cd bench && mvn -B -q -o package -DskipTests)`):
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar TracemallocBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
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
import org.refheap.StructType;
import org.refheap.demo.book.EventStream;
import org.refheap.demo.book.MarketGenerator;
import org.refheap.demo.book.RefheapBook;
import org.refheap.trace.Tracemalloc;

import java.util.concurrent.TimeUnit;

import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What tracemalloc costs (issue 9), each mode against the untraced run of the same method in the same
 * JMH run: {@code off} (no listener: the one null check), {@code exact1} and {@code exact8} (every
 * block traced with 1 or 8 frames), {@code sampled} (a Poisson sample, one every 512 KiB on average,
 * Go's and JFR's default rate; 1 frame).
 *
 * <ul>
 * <li>{@code allocFree}: allocate a 32-byte struct, write a field, free it: the per-allocation cost.</li>
 * <li>{@code listAppend}: a list of 16 ints built and dropped: objects and raw item blocks with
 *     reallocations, about 20 blocks per op.</li>
 * <li>{@code orderBook}: the whole order-book demo replay (50,000 events on a fresh heap), the way
 *     CPython's 3.3x tracemalloc figure is measured: whole-program time.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
public class TracemallocBenchmark {
    static final long SAMPLE_MEAN = 512 * 1024;

    static void startTracing(Heap heap, String mode) {
        Tracemalloc tm = Tracemalloc.of(heap);
        switch (mode) {
            case "off" -> {
            }
            case "exact1" -> tm.start(1);
            case "exact8" -> tm.start(8);
            case "sampled" -> tm.startSampled(SAMPLE_MEAN, 1, 42);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    @State(Scope.Thread)
    public static class Small {
        @Param({"off", "exact1", "exact8", "sampled"})
        String mode;
        Heap heap;
        StructType type;
        StructType.Field a;

        @Setup(Level.Trial)
        public void setUp() {
            heap = Heap.create();
            type = heap.defineStruct("Quad", structLayout(JAVA_LONG.withName("a"), JAVA_LONG.withName("b"),
                    JAVA_LONG.withName("c"), JAVA_LONG.withName("d")));
            a = type.field("a");
            startTracing(heap, mode);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            heap.close();
        }
    }

    @Benchmark
    public long allocFree(Small s) {
        long o = s.type.allocate();
        s.a.setLong(o, 42);
        s.heap.decref(o);
        return o;
    }

    @Benchmark
    public long listAppend(Small s) {
        Heap heap = s.heap;
        long list = heap.newList();
        for (int i = 0; i < 16; i++) {
            long x = heap.newInt(1000 + i);
            heap.lists().append(list, x);
            heap.decref(x);
        }
        long n = heap.lists().size(list);
        heap.decref(list);
        return n;
    }

    @State(Scope.Benchmark)
    public static class Stream {
        EventStream events;

        @Setup(Level.Trial)
        public void setUp() {
            events = MarketGenerator.generate(7L, 50_000).stream();
        }
    }

    @State(Scope.Thread)
    public static class BookMode {
        @Param({"off", "exact1", "exact8", "sampled"})
        String mode;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long orderBook(Stream st, BookMode m) {
        try (Heap heap = Heap.create()) {
            startTracing(heap, m.mode);
            RefheapBook book = new RefheapBook(heap);
            EventStream s = st.events;
            for (int i = 0, n = s.size(); i < n; i++) {
                book.apply(s, i);
            }
            return book.checksum();
        }
    }
}
