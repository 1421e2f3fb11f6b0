// Run (from the project root, after building the bench jar):
//   java --enable-native-access=ALL-UNNAMED -Xmx2g -cp bench/target/benchmarks.jar org.refheap.bench.GraphScale 1000000
// Argument: live orders of the demo's scaled book (default 1,000,000).
package org.refheap.bench;

import org.refheap.Heap;
import org.refheap.StructType;
import org.refheap.demo.book.EventStream;
import org.refheap.demo.book.MarketGenerator;
import org.refheap.demo.book.RefheapBook;
import org.refheap.graph.ObjGraph;
import org.refheap.graph.RefGraph;

import java.util.List;

import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Not a JMH benchmark: objgraph's questions asked of a heap of a million objects (issue 9). The demo's
 * scaled order book ({@code MarketGenerator.forLive(42, live, 0)}: orders in doubly linked queues per
 * price level, levels in per-side dicts, every order in an id index) plus a singly linked chain of
 * 10,000 nodes held from Java by its head. Times, each the best of three rounds: building the
 * reverse-reference index ({@link RefGraph#build}), {@code whyAlive} of the chain's tail (10,000
 * steps from its root) and of an order, {@code findBackrefChain} from the tail to the head, the first
 * {@code retainedSize} (which computes the dominator tree), {@code topRetainers(10)}, and the
 * one-call {@link ObjGraph} forms, which build a new index each time.
 */
public final class GraphScale {
    static long sink;

    public static void main(String[] args) {
        int live = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int chainLength = 10_000;
        try (Heap heap = Heap.create()) {
            long t0 = System.nanoTime();
            EventStream s = MarketGenerator.forLive(42, live, 0).stream();
            RefheapBook book = new RefheapBook(heap, MarketGenerator.instrumentsFor(live));
            for (int i = 0; i < s.size(); i++) {
                book.apply(s, i);
            }
            StructType node = heap.defineStruct("Node", structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("next")));
            StructType.Field next = node.field("next");
            long head = node.allocate();
            long tail = head;
            for (int i = 1; i < chainLength; i++) {
                long o = node.allocate();
                next.setRef(tail, o);
                heap.decref(o); // the previous node holds it
                tail = o;
            }
            heap.gc().collect();
            ObjGraph og = new ObjGraph(heap);
            long[] orders = og.byType("Order");
            long order = orders[orders.length / 2];
            System.out.printf("heap: %,d live objects (%,d orders) built in %.0f ms%n",
                    heap.liveObjects(), orders.length, (System.nanoTime() - t0) / 1e6);
            final long h = head;
            final long t = tail;
            String[] names = {"RefGraph.build (both indexes)", "whyAlive(chain tail, 10k deep)", "whyAlive(an order)",
                    "findBackrefChain(tail -> head)", "first retainedSize (dominators)", "topRetainers(10)",
                    "ObjGraph.whyAlive (build + query)", "ObjGraph.topRetainers(10) (build + all)"};
            double[] best = new double[names.length];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            int nodes = 0;
            long edges = 0;
            for (int round = 0; round < 3; round++) {
                long a = System.nanoTime();
                RefGraph g = RefGraph.build(heap);
                best[0] = Math.min(best[0], ms(a));
                nodes = g.size();
                a = System.nanoTime();
                RefGraph.Chain c = g.whyAlive(t);
                best[1] = Math.min(best[1], ms(a));
                check(c.path().length == chainLength && c.root() == h, "tail's chain " + c.path().length);
                a = System.nanoTime();
                RefGraph.Chain co = g.whyAlive(order);
                best[2] = Math.min(best[2], ms(a));
                check(co != null, "an order is alive");
                a = System.nanoTime();
                long[] back = g.findBackrefChain(t, x -> x == h, Integer.MAX_VALUE);
                best[3] = Math.min(best[3], ms(a));
                check(back.length == chainLength, "backref chain " + back.length);
                a = System.nanoTime();
                long r = g.retainedSize(h);
                best[4] = Math.min(best[4], ms(a));
                check(r > 0, "retained " + r);
                a = System.nanoTime();
                List<RefGraph.Retained> top = g.topRetainers(10);
                best[5] = Math.min(best[5], ms(a));
                if (round == 0) {
                    System.out.printf("graph: %,d nodes; chain head retains %,d bytes; top retainer %s%n", nodes, r, top.get(0));
                }
                a = System.nanoTime();
                sink += og.whyAlive(t).path().length;
                best[6] = Math.min(best[6], ms(a));
                a = System.nanoTime();
                sink += og.topRetainers(10).size();
                best[7] = Math.min(best[7], ms(a));
            }
            System.out.println("best of 3 rounds (ms):");
            for (int i = 0; i < names.length; i++) {
                System.out.printf("  %-40s %9.1f%n", names[i], best[i]);
            }
            heap.decref(head);
        }
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
