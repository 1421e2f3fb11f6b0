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
 * <li>{@code full_churned N}: N one-item lists, each item a random other list, held by a root list
 *     in random order; then N replacements of a random node by a new one (a random edge again), so
 *     that the generation list, the blocks' addresses and the edges all lie in different orders, as
 *     in a program that has been running for a while; then half the nodes are dropped from the
 *     root, and a full collection finds whatever cyclic garbage that left. Nanoseconds per tracked
 *     object. The Python twin draws from its own generator: the same distribution, not the same
 *     graph.</li>
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
                fullChurned(heap, 20_000);
            }
            for (long n : sizes) {
                System.out.printf("full_reachable %d %.1f%n", n, fullReachable(heap, n));
            }
            for (long n : sizes) {
                System.out.printf("full_garbage %d %.1f%n", n, fullGarbage(heap, n));
            }
            for (long n : sizes) {
                System.out.printf("full_churned %d %.1f%n", n, fullChurned(heap, n));
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

    /** Nanoseconds per tracked object of a full collection of a churned random graph of N nodes. */
    static double fullChurned(Heap heap, long n) {
        Lists lists = heap.lists();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(n);
        int count = (int) n;
        long[] nodes = new long[count];
        for (int i = 0; i < count; i++) {
            nodes[i] = lists.newList();
        }
        for (int i = 0; i < count; i++) {
            lists.append(nodes[i], nodes[rnd.nextInt(count)]);
        }
        for (int i = 0; i < count; i++) { // churn: replace a random node by a new one
            int k = rnd.nextInt(count);
            long fresh = lists.newList();
            lists.append(fresh, nodes[rnd.nextInt(count)]);
            heap.decref(nodes[k]);
            nodes[k] = fresh;
        }
        long root = lists.newList();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (int i = 0; i < count; i++) {
            lists.append(root, nodes[order[i]]);
        }
        for (int i = 0; i < count; i++) {
            heap.decref(nodes[i]);
        }
        for (int i = 0; i < count / 2; i++) {
            heap.decref(lists.pop(root));
        }
        long tracked = heap.liveObjects("list"); // every list is tracked: the set a full collection scans
        long t0 = System.nanoTime();
        heap.gc().collect();
        long dt = System.nanoTime() - t0;
        heap.decref(root);
        heap.gc().collect();
        return (double) dt / tracked;
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
