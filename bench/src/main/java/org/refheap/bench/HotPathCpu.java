// Run (from the project root, after `mvn -B -q -o -DskipTests install && (cd bench && mvn -B -q -o package -DskipTests)`):
//   java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -cp bench/target/benchmarks.jar org.refheap.bench.HotPathCpu allocFree
// One operation per JVM (its profile and compiled code are then its own); compare builds by running
// each a few times in turn and taking the median of the printed bests.
package org.refheap.bench;

import org.refheap.Heap;
import org.refheap.StructType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.IntToLongFunction;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Issue 8's hot paths timed in <em>thread CPU time</em>, best of rounds of a million operations: on a
 * shared, loaded machine the time this thread was descheduled drops out, which wall-clock JMH cannot
 * do (its ratios there swing by 2x between forks). The loops let the JIT hoist what it can out of
 * them, so figures sit below JMH's per-call ones and field reads and writes (checks hoisted whole)
 * are left out; compare builds and variants with it, quote JMH from a quiet machine.
 *
 * <p>Operations: {@code allocFree} (allocate a 32-byte struct, write a field, decref it),
 * {@code allocFreeNoField}, {@code freeList} (the floor: a LIFO free list in a confined segment),
 * {@code incdec} (incref + decref of a live struct), {@code incdecSegment} (the floor), {@code setRef}
 * (a checked reference store swapping between two targets). A confined arena exists in every run,
 * as in JMH's baselines: its presence changed the compiled code of refheap's paths (docs/PERFORMANCE.md).
 */
public final class HotPathCpu {
    static final StructLayout QUAD = MemoryLayout.structLayout(
            JAVA_LONG.withName("a"), JAVA_LONG.withName("b"), JAVA_LONG.withName("c"), JAVA_LONG.withName("d"));
    static long sink;

    public static void main(String[] args) {
        String op = args.length > 0 ? args[0] : "allocFree";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int n = 1_000_000;
        Heap heap = Heap.create();
        StructType type = heap.defineStruct("Bench", QUAD);
        StructType.Field a = type.field("a");
        StructType rt = heap.defineStruct("R", MemoryLayout.structLayout(JAVA_LONG.withName("a"),
                JAVA_LONG.withName("b"), ValueLayout.ADDRESS.withName("ref")));
        StructType.Field ref = rt.field("ref");
        long obj = type.allocate();
        long holder = rt.allocate();
        long t1 = rt.allocate();
        long t2 = rt.allocate();
        Arena arena = Arena.ofConfined();
        MemorySegment seg = arena.allocate(48 * 1024, 16);
        long[] head = {-1};
        for (int i = 1023; i >= 0; i--) {
            seg.set(JAVA_LONG, i * 48L, head[0]);
            head[0] = i * 48L;
        }
        IntToLongFunction run = switch (op) {
            case "allocFree" -> k -> {
                long s = 0;
                for (int i = 0; i < k; i++) {
                    long x = type.allocate();
                    a.setLong(x, 42);
                    heap.decref(x);
                    s += x;
                }
                return s;
            };
            case "allocFreeNoField" -> k -> {
                long s = 0;
                for (int i = 0; i < k; i++) {
                    long x = type.allocate();
                    heap.decref(x);
                    s += x;
                }
                return s;
            };
            case "freeList" -> k -> {
                long s = 0;
                for (int i = 0; i < k; i++) {
                    long b = head[0];
                    head[0] = seg.get(JAVA_LONG, b);
                    seg.set(JAVA_LONG, b, 1L);
                    seg.set(JAVA_LONG, b + 16, 42L);
                    seg.set(JAVA_LONG, b, head[0]);
                    head[0] = b;
                    s += b;
                }
                return s;
            };
            case "incdec" -> k -> {
                for (int i = 0; i < k; i++) {
                    heap.incref(obj);
                    heap.decref(obj);
                }
                return heap.getrefcount(obj);
            };
            case "incdecSegment" -> k -> {
                for (int i = 0; i < k; i++) {
                    seg.set(JAVA_LONG, 0, seg.get(JAVA_LONG, 0) + 1);
                    seg.set(JAVA_LONG, 0, seg.get(JAVA_LONG, 0) - 1);
                }
                return seg.get(JAVA_LONG, 0);
            };
            case "setRef" -> k -> {
                for (int i = 0; i < k; i++) {
                    ref.setRef(holder, (i & 1) == 0 ? t1 : t2);
                }
                return ref.getRef(holder);
            };
            default -> throw new IllegalArgumentException("unknown operation " + op
                    + " (allocFree, allocFreeNoField, freeList, incdec, incdecSegment, setRef)");
        };
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int w = 0; w < 20; w++) {
            sink += run.applyAsLong(n);
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            sink += run.applyAsLong(n);
            best = Math.min(best, (double) (mx.getCurrentThreadCpuTime() - t0) / n);
        }
        System.out.printf("%s %.2f ns/op (thread CPU, best of %d rounds of %d)%n", op, best, rounds, n);
        ref.setRef(holder, 0);
        for (long o : new long[] {obj, holder, t1, t2}) {
            heap.decref(o);
        }
        heap.close();
        arena.close();
    }
}
