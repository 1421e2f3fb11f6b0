package org.refheap.graph;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refheap.Heap;
import org.refheap.ObjectSizes;
import org.refheap.StructType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjGraphTest {
    private Heap heap;
    private ObjGraph og;
    private StructType node;
    private StructType.Field left;
    private StructType.Field right;

    @BeforeEach
    void open() {
        heap = Heap.create();
        og = new ObjGraph(heap);
        node = heap.defineStruct("Node", MemoryLayout.structLayout(ADDRESS.withName("left"), ADDRESS.withName("right")));
        left = node.field("left");
        right = node.field("right");
    }

    @AfterEach
    void close() {
        heap.close();
    }

    /** A new Node pointing at l and r (either may be 0); the caller owns it. */
    private long node(long l, long r) {
        long n = node.allocate();
        if (l != 0) {
            left.setRef(n, l);
        }
        if (r != 0) {
            right.setRef(n, r);
        }
        return n;
    }

    @Test
    void shouldCountTypesAtomsIncludedAndReportGrowthAboveThePeak() {
        long list = heap.newList();
        for (int i = 0; i < 30; i++) {
            long s = heap.newStr("s" + i);
            heap.lists().append(list, s);
            heap.decref(s);
        }
        assertEquals(30, og.count("str"));
        assertEquals(30L, og.typestats().get("str"));
        assertEquals(new ObjGraph.TypeCount("str", 30), og.mostCommonTypes(1).get(0));
        List<ObjGraph.Growth> first = og.growth(10);
        assertTrue(first.contains(new ObjGraph.Growth("str", 30, 30)), first.toString());
        assertEquals(List.of(), og.growth(10), "nothing above the peak");
        long s = heap.newStr("one more");
        heap.lists().append(list, s);
        heap.decref(s);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        og.showGrowth(10, new PrintStream(bytes, true));
        assertEquals("str 31 +1", bytes.toString().trim());
        bytes.reset();
        og.showMostCommonTypes(1, new PrintStream(bytes, true));
        assertEquals("str 31", bytes.toString().trim());
        heap.decref(list);
        assertEquals(0, og.count("str"));
    }

    @Test
    void shouldFindNewIdsAndObjectsByType() {
        long a = node(0, 0);
        og.getNewIds();
        long b = node(0, 0);
        Map<String, Set<Long>> fresh = og.getNewIds();
        assertEquals(Map.of("Node", Set.of(b)), fresh);
        assertEquals(Set.of(a, b), Set.of(og.byType("Node")[0], og.byType("Node")[1]));
        assertEquals(a, og.at(a));
        heap.decref(a);
        heap.decref(b);
        assertEquals(0, og.at(a));
    }

    @Test
    void shouldFindTheShortestChainFromTheRootHeldFromJava() {
        // root -> mid -> leaf, and a longer way root -> x -> y -> leaf; only root is held from Java.
        long leaf = heap.newStr("leaf");
        long mid = node(leaf, 0);
        long y = node(leaf, 0);
        long x = node(y, 0);
        long root = node(mid, x);
        for (long o : new long[] {leaf, mid, y, x}) {
            heap.decref(o);
        }
        RefGraph g = RefGraph.build(heap);
        assertEquals(1, g.externalRefs(root));
        assertEquals(0, g.externalRefs(mid));
        RefGraph.Chain why = g.whyAlive(leaf);
        assertArrayEquals(new long[] {root, mid, leaf}, why.path());
        assertEquals(1, why.rootExternalRefs());
        assertArrayEquals(new long[] {root, mid, leaf}, og.findBackrefChain(leaf, o -> o == root, 20));
        assertArrayEquals(new long[] {root, x, y}, og.findRefChain(root, o -> o == y, 20));
        assertArrayEquals(new long[] {root}, og.findRefChain(root, o -> o == y, 1), "too deep: just the start");
        assertArrayEquals(new long[] {root}, g.whyAlive(root).path(), "held from Java itself");
        assertTrue(Set.of(og.getLeakingObjects()).size() >= 0);
        assertTrue(List.of(box(og.getLeakingObjects())).contains(root));
        heap.decref(root);
    }

    private static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i];
        }
        return b;
    }

    @Test
    void shouldComputeDominatorsAndRetainedSizesOnAKnownGraph() {
        //   A (held) -> B, C;  B -> D;  C -> D;  D -> E.   idom: B,C,D <- A; E <- D.
        long e = node(0, 0);
        long d = node(e, 0);
        long b = node(d, 0);
        long c = node(d, 0);
        long a = node(b, c);
        for (long o : new long[] {e, d, b, c}) {
            heap.decref(o);
        }
        RefGraph g = RefGraph.build(heap);
        assertEquals(a, g.immediateDominator(d));
        assertEquals(d, g.immediateDominator(e));
        assertEquals(a, g.immediateDominator(b));
        assertEquals(0, g.immediateDominator(a), "a root: only the virtual root dominates it");
        long each = ObjectSizes.sizeof(heap, a);
        assertEquals(each, ObjectSizes.sizeof(heap, e), "all Nodes are the same size");
        assertEquals(5 * each, g.retainedSize(a));
        assertEquals(each, g.retainedSize(b), "b shares d with c: it retains only itself");
        assertEquals(2 * each, g.retainedSize(d));
        assertEquals(new RefGraph.Retained(a, "Node", 5 * each), g.topRetainers(1).get(0));
        // Held from Java too, d is a root of its own: a no longer retains it.
        heap.incref(d);
        RefGraph g2 = RefGraph.build(heap);
        assertEquals(3 * each, g2.retainedSize(a));
        assertEquals(0, g2.immediateDominator(d));
        heap.decref(d);
        heap.decref(a);
    }

    @Test
    void shouldSayNothingHoldsAGarbageCycle() {
        heap.gc().disable();
        long p = node(0, 0);
        long q = node(p, 0);
        left.setRef(p, q);
        heap.decref(q);
        long keep = p;
        heap.decref(p); // p <-> q: unreachable, waiting for the collector
        RefGraph g = RefGraph.build(heap);
        assertNull(g.whyAlive(keep));
        assertEquals(0, g.retainedSize(keep));
        assertEquals(2, heap.gc().collect());
    }

    @Test
    void shouldChainAMillionObjectsQuickly() {
        long head = heap.newList();
        long cur = head;
        for (int i = 0; i < 300_000; i++) {
            long next = heap.newList();
            heap.lists().append(cur, next);
            heap.decref(next);
            cur = next;
        }
        long t0 = System.nanoTime();
        RefGraph.Chain why = RefGraph.build(heap).whyAlive(cur);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("whyAlive over a chain of 300,001 lists: " + ms + " ms");
        assertEquals(300_001, why.path().length);
        assertEquals(head, why.root());
        heap.decref(head);
    }

    @Test
    void shouldWriteDotAndSayWhetherItRendered(@TempDir Path dir) throws Exception {
        long leaf = heap.newStr("target");
        long mid = node(leaf, 0);
        long root = node(mid, 0);
        heap.decref(mid);
        Dot.Result r = og.showBackrefs(new long[] {leaf}, 5, dir.resolve("backrefs.svg"));
        String dot = Files.readString(r.dotFile());
        assertTrue(dot.startsWith("digraph backrefs {"), dot);
        assertTrue(dot.contains("'target'") && dot.contains("held from Java: 1") && dot.contains("#ff9966"), dot);
        assertEquals(2, dot.split("->", -1).length - 1, dot);
        if (Dot.findDot() == null) {
            assertNull(r.picture());
            assertTrue(r.message().contains("not installed"), r.message());
        } else {
            assertTrue(Files.size(r.picture()) > 0, r.message());
        }
        Dot.Result c = og.showChain(og.findBackrefChain(leaf, o -> o == root, 10), dir.resolve("chain.dot"));
        assertEquals(2, Files.readString(c.dotFile()).split("->", -1).length - 1, "root -> mid -> leaf");
        Dot.Result f = og.showRefs(new long[] {root}, 1, dir.resolve("refs.dot"));
        assertEquals(1, Files.readString(f.dotFile()).split("->", -1).length - 1, "depth 1: root -> mid only");
        heap.decref(root);
        heap.decref(leaf);
    }
}
