// Run (from /work/main):
//   make bench BENCH=RefcountBenchmark BENCH_ARGS='-f 1 -wi 3 -w 1s -i 5 -r 1s'
// or, with the jar already built (cd bench && mvn -B -q package):
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar RefcountBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
// Add -prof gc for gc.alloc.rate.norm (B/op). Extra JVM flags: -jvmArgsPrepend, never -jvmArgsAppend
// (that replaces the @Fork flags below, native access included).
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
import org.openjdk.jmh.annotations.Param;
import org.refheap.CollectionMode;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.StructType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One incref and one decref of a live object whose count stays at 1 (so the decref never frees),
 * against the same pair of updates to a plain long in a confined MemorySegment. {@code getrefcount}
 * is a single checked read: the price of the checks every public method makes, alone.
 *
 * <p>{@code incref_decref_container}: the same pair on a list (a container), in each collection
 * mode. In {@link CollectionMode#LOW_LATENCY} a decref that leaves the count above zero may buffer
 * the container as a candidate root; the first one does, and from then on the buffer already holds
 * it (the steady state): the decref pays a type-table load and a flag test. Target (issue 12): within
 * a few percent of the generational mode.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g"})
public class RefcountBenchmark {

    /** Created on the worker thread that runs the benchmark (see AllocFreeBenchmark.RefheapState). */
    @State(Scope.Thread)
    public static class HeapState {
        Heap heap;
        long obj;
        Thread owner;

        @Setup(Level.Trial)
        public void open() {
            owner = Thread.currentThread();
            heap = Heap.create();
            StructType type = heap.defineStruct("Bench", AllocFreeBenchmark.QUAD);
            obj = type.allocate();
        }

        @Setup(Level.Iteration)
        public void check() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("JMH moved the state from " + owner + " to " + Thread.currentThread());
            }
            if (heap.getrefcount(obj) != 1) {
                throw new IllegalStateException("count drifted: " + heap.getrefcount(obj));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.decref(obj);
            long live = heap.liveObjects();
            heap.close();
            if (live != 0) {
                throw new IllegalStateException(live + " objects leaked");
            }
        }
    }

    /** A list, in the collection mode of the parameter, whose count stays at 1. */
    @State(Scope.Thread)
    public static class ContainerState {
        @Param({"GENERATIONAL", "LOW_LATENCY"})
        public CollectionMode mode;

        Heap heap;
        long list;

        @Setup(Level.Trial)
        public void open() {
            heap = Heap.create(HeapConfig.defaults().withCollectionMode(mode));
            heap.gc().disable();
            list = heap.newList();
        }

        @TearDown(Level.Trial)
        public void close() {
            if (mode == CollectionMode.LOW_LATENCY && heap.gc().getCandidateStats().buffered() != 1) {
                throw new IllegalStateException("the list should be buffered: " + heap.gc().getCandidateStats());
            }
            heap.decref(list);
            long live = heap.liveObjects();
            heap.close();
            if (live != 0) {
                throw new IllegalStateException(live + " objects leaked");
            }
        }
    }

    @State(Scope.Thread)
    public static class SegmentState {
        static final long OFFSET = 0;
        Arena arena;
        MemorySegment seg;

        @Setup(Level.Trial)
        public void open() {
            arena = Arena.ofConfined();
            seg = arena.allocate(64, 16);
            seg.set(JAVA_LONG, OFFSET, 1L);
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    @Benchmark
    public void incref_decref_refheap(HeapState s) {
        s.heap.incref(s.obj);
        s.heap.decref(s.obj);
    }

    @Benchmark
    public void incref_decref_container(ContainerState s) {
        s.heap.incref(s.list);
        s.heap.decref(s.list);
    }

    @Benchmark
    public void incdec_segment(SegmentState s) {
        MemorySegment seg = s.seg;
        seg.set(JAVA_LONG, SegmentState.OFFSET, seg.get(JAVA_LONG, SegmentState.OFFSET) + 1);
        seg.set(JAVA_LONG, SegmentState.OFFSET, seg.get(JAVA_LONG, SegmentState.OFFSET) - 1);
    }

    @Benchmark
    public long getrefcount_refheap(HeapState s) {
        return s.heap.getrefcount(s.obj);
    }
}
