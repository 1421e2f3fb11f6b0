package org.refheap.demo;

import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.Lists;

/**
 * Times refheap's collector on the shapes {@code bench/cpython/gc_compare.py} times in CPython, and
 * prints one line per shape: {@code shape size nanoseconds-per-object}. Run by
 * {@code make compare-cpython}, which prints both side by side. (The JMH {@code CollectBenchmark}
 * measures the same shapes with JMH's rigour; this is the quick, like-for-like twin of the Python
 * script.)
 *
 * <ul>
 * <li>{@code full_reachable N}: one list holding N-1 lists of one item (None): N tracked objects,
 *     all reachable; a full collection.</li>
 * <li>{@code full_garbage N}: N/2 pairs of lists that hold each other, all dropped; a full collection.</li>
 * <li>{@code young_reachable 700}: 700 new one-item lists appended to an old list; {@code collect(0)}.</li>
 * <li>{@code young_garbage 700}: 350 new pairs, dropped; {@code collect(0)}.</li>
 * </ul>
 * Arguments: the sizes of the full shapes (default 10000 100000 1000000 5000000).
 */
public final class CollectTiming {
    private CollectTiming() {
    }

    public static void main(String[] args) {
        long[] sizes = args.length == 0 ? new long[] {10_000, 100_000, 1_000_000, 5_000_000}
                : java.util.Arrays.stream(args).mapToLong(Long::parseLong).toArray();
        try (Heap heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30))) {
            Gc gc = heap.gc();
            gc.disable();
            // Warm up the JIT on every path at a small size.
            for (int i = 0; i < 20; i++) {
                fullReachable(heap, 20_000);
                fullGarbage(heap, 20_000);
                young(heap, false, 50);
                young(heap, true, 50);
            }
            for (long n : sizes) {
                System.out.printf("full_reachable %d %.1f%n", n, fullReachable(heap, n));
            }
            for (long n : sizes) {
                System.out.printf("full_garbage %d %.1f%n", n, fullGarbage(heap, n));
            }
            System.out.printf("young_reachable 700 %.1f%n", young(heap, false, 300));
            System.out.printf("young_garbage 700 %.1f%n", young(heap, true, 300));
        }
    }

    /** Nanoseconds per tracked object of a full collection over N reachable objects. */
    static double fullReachable(Heap heap, long n) {
        Lists lists = heap.lists();
        long root = lists.newList();
        for (long i = 1; i < n; i++) {
            long l = lists.newList();
            lists.append(l, heap.none());
            lists.append(root, l);
            heap.decref(l);
        }
        long t0 = System.nanoTime();
        long found = heap.gc().collect();
        long dt = System.nanoTime() - t0;
        if (found != 0) {
            throw new AssertionError("reachable objects collected: " + found);
        }
        heap.decref(root);
        return (double) dt / n;
    }

    /** Nanoseconds per object of a full collection that finds N garbage objects in 2-cycles. */
    static double fullGarbage(Heap heap, long n) {
        Lists lists = heap.lists();
        for (long i = 0; i < n / 2; i++) {
            long a = lists.newList();
            long b = lists.newList();
            lists.append(a, b);
            lists.append(b, a);
            heap.decref(a);
            heap.decref(b);
        }
        long t0 = System.nanoTime();
        long found = heap.gc().collect();
        long dt = System.nanoTime() - t0;
        if (found != n / 2 * 2) {
            throw new AssertionError("expected " + n / 2 * 2 + " garbage objects, found " + found);
        }
        return (double) dt / found;
    }

    /** Mean nanoseconds of one collect(0) over 700 young objects, over {@code rounds} rounds. */
    static double young(Heap heap, boolean garbage, int rounds) {
        Lists lists = heap.lists();
        Gc gc = heap.gc();
        long root = lists.newList();
        gc.collect();
        long total = 0;
        for (int r = 0; r < rounds; r++) {
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
            long t0 = System.nanoTime();
            gc.collect(0);
            total += System.nanoTime() - t0;
            if ((r & 15) == 15) {
                lists.clear(root);
                gc.collect();
            }
        }
        heap.decref(root);
        gc.collect();
        return (double) total / rounds;
    }
}
