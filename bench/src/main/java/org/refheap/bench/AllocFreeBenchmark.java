// Run (from /work/main):
//   make bench BENCH=AllocFreeBenchmark BENCH_ARGS='-f 1 -wi 3 -w 1s -i 5 -r 1s'
// or, with the jar already built (cd bench && mvn -B -q package):
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar AllocFreeBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
// Add -prof gc for gc.alloc.rate.norm (B/op). Extra JVM flags: -jvmArgsPrepend, never -jvmArgsAppend
// (that replaces the @Fork flags below, native access included).
package org.refheap.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
import org.refheap.HeapConfig;
import org.refheap.StructType;
import org.refheap.alloc.Obmalloc;
import org.refheap.alloc.ReleasePolicy;
import org.refheap.memory.Reservation;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Allocate an object with a 32-byte payload, write one long of it, release it: refheap against the
 * JVM, the JDK's arenas, libc malloc, Netty's pool and a bare free list (the floor). Every method
 * returns something so that nothing is dead code. Steady state: each allocator hands back the block
 * it was just given, so this measures the fast paths, not page faults or fragmentation.
 *
 * <p>Dissection variants: {@code refheapNoField} drops the field write (the price of
 * {@link StructType.Field#setLong}'s check), {@code obmalloc} calls the allocator under the heap
 * directly (no object header, no checks), {@code *LonePool} variants allocate in a size class whose
 * pool holds nothing else, so every free empties the pool and every allocation sets one up again.
 * {@code refheapDebug} is the same loop in debug mode ({@code HeapConfig.withDebug(true)}: poisoned
 * fresh and freed blocks, every address checked against the allocator, and freed blocks held in the
 * allocator's quarantine once the heap turns it on), so it measures the blocks the quarantine cycles
 * through, not one block reused.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "--enable-native-access=ALL-UNNAMED",
        // Netty 4.1 uses the JDK's unsafe memory access for its fast direct buffers (refheap does not);
        // JDK 24+ warns unless it is allowed.
        "--sun-misc-unsafe-memory-access=allow",
        // Netty's default leak detector samples 1 in 128 buffers; off, as in a tuned production setup.
        "-Dio.netty.leakDetection.level=disabled",
        "-Xms1g", "-Xmx1g"})
public class AllocFreeBenchmark {

    static final long VALUE = 42L;

    /** Four longs: 32 bytes of payload, no ADDRESS member, so no GC head (a 48-byte block). */
    static final StructLayout QUAD = MemoryLayout.structLayout(
            JAVA_LONG.withName("a"), JAVA_LONG.withName("b"), JAVA_LONG.withName("c"), JAVA_LONG.withName("d"));

    /** Eight longs: 64 bytes of payload, an 80-byte block, a size class nothing else in a fresh heap uses. */
    static final StructLayout OCT = MemoryLayout.structLayout(
            JAVA_LONG.withName("a"), JAVA_LONG.withName("b"), JAVA_LONG.withName("c"), JAVA_LONG.withName("d"),
            JAVA_LONG.withName("e"), JAVA_LONG.withName("f"), JAVA_LONG.withName("g"), JAVA_LONG.withName("h"));

    // ------------------------------------------------------------------ states

    /**
     * A heap is confined to the thread that creates it. JMH runs a Scope.Thread state's setups,
     * teardowns and benchmark calls on one worker thread; {@link #sameThread} checks it on every
     * iteration instead of trusting it.
     */
    @State(Scope.Thread)
    public static class RefheapState {
        Heap heap;
        StructType type;
        StructType.Field a;
        Thread owner;

        HeapConfig config() {
            return HeapConfig.defaults();
        }

        StructLayout layout() {
            return QUAD;
        }

        @Setup(Level.Trial)
        public void open() {
            owner = Thread.currentThread();
            heap = Heap.create(config());
            type = heap.defineStruct("Bench", layout());
            a = type.field("a");
            opened();
        }

        /** Hooks for subclasses (one @Setup/@TearDown per level here, so the order is ours, not JMH's). */
        void opened() {
        }

        void closing() {
        }

        @Setup(Level.Iteration)
        public void sameThread() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("JMH moved the state from " + owner + " to " + Thread.currentThread());
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            closing();
            long live = heap.liveObjects();
            heap.close();
            if (live != 0) {
                throw new IllegalStateException(live + " objects leaked");
            }
        }
    }

    /** The same with 64 MiB committed up front (HeapConfig.preTouchBytes). */
    @State(Scope.Thread)
    public static class PretouchedState extends RefheapState {
        @Override
        HeapConfig config() {
            return HeapConfig.defaults().withPreTouchBytes(64L << 20);
        }
    }

    /** Debug mode: poisoning, allocator-checked addresses, the quarantine. */
    @State(Scope.Thread)
    public static class DebugState extends RefheapState {
        @Override
        HeapConfig config() {
            return HeapConfig.defaults().withDebug(true);
        }
    }

    /** 64-byte payload; one instance stays alive so the pool of its size class never empties. */
    @State(Scope.Thread)
    public static class Payload64State extends RefheapState {
        long pin;

        @Override
        StructLayout layout() {
            return OCT;
        }

        @Override
        void opened() {
            pin = type.allocate();
        }

        @Override
        void closing() {
            heap.decref(pin);
        }
    }

    /** 64-byte payload, nothing else in its size class: each free empties the pool. */
    @State(Scope.Thread)
    public static class Payload64LoneState extends RefheapState {
        @Override
        StructLayout layout() {
            return OCT;
        }
    }

    /** The heap's allocator alone, over its own reservation; one block stays allocated. */
    @State(Scope.Thread)
    public static class ObmallocState {
        Reservation reservation;
        Obmalloc alloc;
        MemorySegment seg;
        long base;
        long pin;

        boolean pinned() {
            return true;
        }

        @Setup(Level.Trial)
        public void open() {
            reservation = new Reservation(1L << 30, Obmalloc.ARENA_SIZE);
            alloc = new Obmalloc(reservation, ReleasePolicy.FOOTPRINT, 0);
            seg = reservation.segment();
            base = reservation.base();
            if (pinned()) {
                pin = alloc.malloc(48);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            reservation.close();
        }
    }

    /** The allocator alone with nothing else allocated: every free empties pool and arena. */
    @State(Scope.Thread)
    public static class ObmallocLoneState extends ObmallocState {
        @Override
        boolean pinned() {
            return false;
        }
    }

    /** The floor: an intrusive LIFO free list of 48-byte blocks in one confined segment. */
    @State(Scope.Thread)
    public static class FreeListState {
        static final long BLOCK = 48;
        static final int BLOCKS = 1024;
        Arena arena;
        MemorySegment seg;
        long head;

        @Setup(Level.Trial)
        public void open() {
            arena = Arena.ofConfined();
            seg = arena.allocate(BLOCK * BLOCKS, 16);
            head = -1;
            for (int i = BLOCKS - 1; i >= 0; i--) {
                long b = i * BLOCK;
                seg.set(JAVA_LONG, b, head);
                head = b;
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    static final class Quad {
        long a;
        long b;
        long c;
        long d;
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));
    /** The same calls without the Java-to-native thread-state transition (Linker.Option.critical). */
    private static final MethodHandle MALLOC_CRITICAL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_LONG),
            Linker.Option.critical(false));
    private static final MethodHandle FREE_CRITICAL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS),
            Linker.Option.critical(false));

    // ------------------------------------------------------------------ refheap

    @Benchmark
    public long allocFree_refheap(RefheapState s) {
        long o = s.type.allocate();
        s.a.setLong(o, VALUE);
        s.heap.decref(o);
        return o;
    }

    @Benchmark
    public long allocFree_refheapPretouched(PretouchedState s) {
        long o = s.type.allocate();
        s.a.setLong(o, VALUE);
        s.heap.decref(o);
        return o;
    }

    /** allocFree_refheap in debug mode: the price of PYTHONMALLOC=debug-style checking. */
    @Benchmark
    public long allocFree_refheapDebug(DebugState s) {
        long o = s.type.allocate();
        s.a.setLong(o, VALUE);
        s.heap.decref(o);
        return o;
    }

    /** Without the field write: the difference to allocFree_refheap is the checked setLong. */
    @Benchmark
    public long allocFree_refheapNoField(RefheapState s) {
        long o = s.type.allocate();
        s.heap.decref(o);
        return o;
    }

    @Benchmark
    public long allocFree_refheapPayload64(Payload64State s) {
        long o = s.type.allocate();
        s.a.setLong(o, VALUE);
        s.heap.decref(o);
        return o;
    }

    @Benchmark
    public long allocFree_refheapPayload64LonePool(Payload64LoneState s) {
        long o = s.type.allocate();
        s.a.setLong(o, VALUE);
        s.heap.decref(o);
        return o;
    }

    /** Obmalloc.malloc(48) + two writes + free: the allocator without objects or checks. */
    @Benchmark
    public long allocFree_obmalloc(ObmallocState s) {
        long b = s.alloc.malloc(48);
        s.seg.set(JAVA_LONG, b - s.base, 1L);
        s.seg.set(JAVA_LONG, b + 16 - s.base, VALUE);
        s.alloc.free(b);
        return b;
    }

    @Benchmark
    public long allocFree_obmallocLonePool(ObmallocLoneState s) {
        long b = s.alloc.malloc(48);
        s.seg.set(JAVA_LONG, b - s.base, 1L);
        s.seg.set(JAVA_LONG, b + 16 - s.base, VALUE);
        s.alloc.free(b);
        return b;
    }

    // ------------------------------------------------------------------ baselines

    @Benchmark
    public Object allocFree_jvmNew() {
        Quad q = new Quad();
        q.a = VALUE;
        return q;
    }

    @Benchmark
    public long allocFree_jdkArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(32, 8);
            m.set(JAVA_LONG, 0, VALUE);
            return m.address();
        }
    }

    @Benchmark
    public long allocFree_malloc() throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC.invokeExact(32L);
        p.reinterpret(32).set(JAVA_LONG, 0, VALUE);
        FREE.invokeExact(p);
        return p.address();
    }

    @Benchmark
    public long allocFree_mallocCritical() throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC_CRITICAL.invokeExact(32L);
        p.reinterpret(32).set(JAVA_LONG, 0, VALUE);
        FREE_CRITICAL.invokeExact(p);
        return p.address();
    }

    @Benchmark
    public int allocFree_nettyPooled() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(32);
        b.writeLong(VALUE);
        int w = b.writerIndex();
        b.release();
        return w;
    }

    @Benchmark
    public long allocFree_freeList(FreeListState s) {
        MemorySegment seg = s.seg;
        long b = s.head;
        if (b < 0) {
            throw new IllegalStateException("free list empty");
        }
        s.head = seg.get(JAVA_LONG, b);       // pop
        seg.set(JAVA_LONG, b, 1L);            // header word
        seg.set(JAVA_LONG, b + 16, VALUE);    // one payload long
        seg.set(JAVA_LONG, b, s.head);        // push back
        s.head = b;
        return b;
    }
}
