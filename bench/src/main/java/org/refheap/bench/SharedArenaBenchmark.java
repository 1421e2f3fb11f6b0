// Run (from the project root, after `make build` and `cd bench && mvn -B -q package`):
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar SharedArenaBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
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
import org.refheap.share.SharedRef;

import java.util.concurrent.TimeUnit;

/**
 * What issue 10's shared segment costs the owner's hot paths: the operations of
 * {@link AllocFreeBenchmark#allocFree_refheap} and {@link RefcountBenchmark} on a heap over a
 * confined arena (as before issue 10, {@code -Drefheap.confinedArena=true} read at heap creation),
 * a shared one, and a shared one after something was shared once (so every allocation also tests
 * the remote queue for emptiness). One run gives the three side by side.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms1g", "-Xmx1g"})
public class SharedArenaBenchmark {

    @State(Scope.Thread)
    public static class HeapState {
        @Param({"confined", "shared", "sharedInUse"})
        String arena;

        Heap heap;
        StructType type;
        StructType.Field a;
        long obj;
        SharedRef handle;

        @Setup(Level.Trial)
        public void open() {
            System.setProperty("refheap.confinedArena", Boolean.toString(arena.equals("confined")));
            heap = Heap.create();
            System.clearProperty("refheap.confinedArena");
            type = heap.defineStruct("Bench", AllocFreeBenchmark.QUAD);
            a = type.field("a");
            obj = type.allocate();
            if (arena.equals("sharedInUse")) {
                handle = heap.shareAcross(heap.newStr("shared once")); // the queue exists from now on
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            if (handle != null) {
                heap.decref(handle.address());
                handle.close();
                heap.drainRemote();
            }
            heap.decref(obj);
            long live = heap.liveObjects();
            heap.close();
            if (live != 0) {
                throw new IllegalStateException(live + " objects leaked");
            }
        }
    }

    @Benchmark
    public long allocFree_refheap(HeapState s) {
        long o = s.type.allocate();
        s.a.setLong(o, AllocFreeBenchmark.VALUE);
        s.heap.decref(o);
        return o;
    }

    @Benchmark
    public void incref_decref_refheap(HeapState s) {
        s.heap.incref(s.obj);
        s.heap.decref(s.obj);
    }

    @Benchmark
    public long fieldGet_refheap(HeapState s) {
        return s.a.getLong(s.obj);
    }
}
