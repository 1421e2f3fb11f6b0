// Run (from /work/main):
//   make bench BENCH=FieldBenchmark BENCH_ARGS='-f 1 -wi 3 -w 1s -i 5 -r 1s'
// With per-call validation off (refheap.disableChecks, read once at startup):
//   ... FieldBenchmark -jvmArgsPrepend -Drefheap.disableChecks=true
package org.refheap.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.refheap.Heap;
import org.refheap.StructType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A struct field read and write against the same access to a raw {@code MemorySegment} (confined,
 * as the heap's is) at the same offset: the price of the checks {@link StructType.Field} makes on
 * every call (owner thread, address, type, liveness). {@code setRef} swaps a reference between two
 * targets, the order book's {@code order.level = level}: an incref and a decref of neighbours.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g"})
public class FieldBenchmark {

    @State(Scope.Thread)
    public static class HeapState {
        Heap heap;
        StructType type;
        StructType.Field b;
        StructType.Field ref;
        long obj;
        long target1;
        long target2;
        long value = 7;
        boolean flip;

        @Setup(Level.Trial)
        public void open() {
            heap = Heap.create();
            type = heap.defineStruct("Bench", java.lang.foreign.MemoryLayout.structLayout(JAVA_LONG.withName("a"),
                    JAVA_LONG.withName("b"), java.lang.foreign.ValueLayout.ADDRESS.withName("ref")));
            b = type.field("b");
            ref = type.field("ref");
            obj = type.allocate();
            target1 = type.allocate();
            target2 = type.allocate();
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.decref(obj);
            heap.decref(target1);
            heap.decref(target2);
            long live = heap.liveObjects();
            heap.close();
            if (live != 0) {
                throw new IllegalStateException(live + " objects leaked");
            }
        }
    }

    @State(Scope.Thread)
    public static class SegmentState {
        Arena arena;
        MemorySegment seg;
        long offset = 64 + 24; // where field b of an object with a GC head would be
        long value = 7;

        @Setup(Level.Trial)
        public void open() {
            arena = Arena.ofConfined();
            seg = arena.allocate(256, 16);
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    @Benchmark
    public long get_refheap(HeapState s) {
        return s.b.getLong(s.obj);
    }

    @Benchmark
    public long get_segment(SegmentState s) {
        return s.seg.get(JAVA_LONG, s.offset);
    }

    @Benchmark
    public void set_refheap(HeapState s) {
        s.b.setLong(s.obj, s.value++);
    }

    @Benchmark
    public void set_segment(SegmentState s) {
        s.seg.set(JAVA_LONG, s.offset, s.value++);
    }

    /** Swaps the reference between two live targets: a checked store, an incref and a decref. */
    @Benchmark
    public void setRef_refheap(HeapState s) {
        s.flip = !s.flip;
        s.ref.setRef(s.obj, s.flip ? s.target1 : s.target2);
    }
}
