package org.refheap.graph;

import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.ObjectSizes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The object graph of a heap at one moment, indexed both ways in one pass: every object the collector
 * tracks, every object they reference (atoms and untracked tuples included) and any extra objects
 * asked for; immortal objects (None, small ints, types) left out. Edges are stored compressed
 * (CSR: an offset array and a target array per direction), nodes in an open-addressing address map.
 *
 * <p><b>Roots are exact.</b> An object's <i>external</i> count is its refcount minus the references
 * the graph's own objects hold to it: what is left is held from outside the heap (Java code: a
 * field, a local, a handle), which is what the collector's trial deletion computes. Objects with an
 * external count are the roots of {@link #whyAlive} and of the dominator tree.
 *
 * <p>Valid until the heap changes; build a new one then. Owner thread only.
 */
public final class RefGraph {
    private final Heap heap;
    /** Node index -> address. */
    final long[] addr;
    private final int n;
    private final long[] mapKeys;
    private final int[] mapVals;
    /** Forward edges: referents of node i are fwd[fwdOff[i] .. fwdOff[i+1]). */
    private final int[] fwdOff;
    private final int[] fwd;
    /** Reverse edges: referrers of node i (one entry per reference). */
    private final int[] revOff;
    private final int[] rev;
    private final long[] external;
    private long[] sizes;
    private int[] idom;

    private RefGraph(Heap heap, long[] extra) {
        this.heap = heap;
        Gc gc = heap.gc();
        LongBuf nodes = new LongBuf();
        long[] keys = new long[1 << 10];
        int[] vals = new int[1 << 10];
        // Pass 1: nodes (BFS from the tracked objects and the extras), forward edges as node indices.
        long[] tracked = gc.getObjects();
        Index idx = new Index();
        for (long o : tracked) {
            idx.add(o, nodes);
        }
        for (long o : extra) {
            heap.getrefcount(o);
            if (!heap.isImmortal(o)) {
                idx.add(o, nodes);
            }
        }
        IntBuf edges = new IntBuf();
        IntBuf off = new IntBuf();
        for (int i = 0; i < nodes.size; i++) {
            off.add(edges.size);
            for (long c : gc.getReferents(nodes.a[i])) {
                if (!heap.isImmortal(c)) {
                    edges.add(idx.add(c, nodes));
                }
            }
        }
        off.add(edges.size);
        this.n = nodes.size;
        this.addr = Arrays.copyOf(nodes.a, n);
        this.mapKeys = idx.keys;
        this.mapVals = idx.vals;
        this.fwdOff = Arrays.copyOf(off.a, n + 1);
        this.fwd = Arrays.copyOf(edges.a, edges.size);
        // Pass 2: reverse edges by counting sort, and the internal in-degree.
        int[] indeg = new int[n];
        for (int e : fwd) {
            indeg[e]++;
        }
        revOff = new int[n + 1];
        for (int i = 0; i < n; i++) {
            revOff[i + 1] = revOff[i] + indeg[i];
        }
        rev = new int[fwd.length];
        int[] fill = Arrays.copyOf(revOff, n);
        for (int i = 0; i < n; i++) {
            for (int k = fwdOff[i]; k < fwdOff[i + 1]; k++) {
                rev[fill[fwd[k]]++] = i;
            }
        }
        external = new long[n];
        for (int i = 0; i < n; i++) {
            // A weakref's referent may be listed without a counted reference: never below zero.
            external[i] = Math.max(0, heap.getrefcount(addr[i]) - indeg[i]);
        }
    }

    /** Indexes the heap now, plus {@code extra} objects (an atom held only from Java, say). */
    public static RefGraph build(Heap heap, long... extra) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        return new RefGraph(heap, extra == null ? new long[0] : extra);
    }

    /** Objects in the graph. */
    public int size() {
        return n;
    }

    /** The objects, in index order. */
    public long[] objects() {
        return addr.clone();
    }

    /** Whether the graph holds {@code obj}. @param obj an address @return true if indexed */
    public boolean contains(long obj) {
        return index(obj) >= 0;
    }

    /** References to {@code obj} from outside the graph (from Java): its refcount minus its referrers here. */
    public long externalRefs(long obj) {
        return external[node(obj)];
    }

    /** The objects that refer to {@code obj} (each once per reference). */
    public long[] referrers(long obj) {
        int i = node(obj);
        long[] out = new long[revOff[i + 1] - revOff[i]];
        for (int k = 0; k < out.length; k++) {
            out[k] = addr[rev[revOff[i] + k]];
        }
        return out;
    }

    /** The objects {@code obj} refers to. */
    public long[] referents(long obj) {
        int i = node(obj);
        long[] out = new long[fwdOff[i + 1] - fwdOff[i]];
        for (int k = 0; k < out.length; k++) {
            out[k] = addr[fwd[fwdOff[i] + k]];
        }
        return out;
    }

    /** Objects of the graph that no other object of the graph refers to (objgraph's get_leaking_objects). */
    public long[] unreferenced() {
        LongBuf out = new LongBuf();
        for (int i = 0; i < n; i++) {
            if (revOff[i + 1] == revOff[i]) {
                out.add(addr[i]);
            }
        }
        return Arrays.copyOf(out.a, out.size);
    }

    /**
     * The shortest chain {@code obj -> ... -> x} along references to an object matching
     * {@code predicate}, at most {@code maxDepth} steps; just {@code [obj]} if there is none.
     */
    public long[] findRefChain(long obj, LongPredicate predicate, int maxDepth) {
        return bfs(node(obj), predicate == null ? null : i -> predicate.test(addr[i]), maxDepth, true, false);
    }

    /**
     * The shortest chain {@code x -> ... -> obj} along references from an object matching
     * {@code predicate}, at most {@code maxDepth} steps; just {@code [obj]} if there is none. One BFS
     * over the reverse index: O(V + E), not a heap scan per step as objgraph's.
     */
    public long[] findBackrefChain(long obj, LongPredicate predicate, int maxDepth) {
        return bfs(node(obj), predicate == null ? null : i -> predicate.test(addr[i]), maxDepth, false, true);
    }

    /**
     * Why {@code obj} is alive: the shortest chain from an object held from outside the heap down to
     * {@code obj} (root first), and how many outside references that root has. An object held from
     * Java itself is its own chain. Null if nothing outside holds it (garbage the collector has yet to
     * find).
     */
    public Chain whyAlive(long obj) {
        int start = node(obj);
        long[] path = bfs(start, i -> external[i] > 0, Integer.MAX_VALUE, false, true);
        int root = index(path[0]);
        if (external[root] == 0) {
            return null;
        }
        return new Chain(path, external[root]);
    }

    /** BFS from {@code start}; the chain is oriented along references (reversed for backward searches). */
    private long[] bfs(int start, java.util.function.IntPredicate match, int maxDepth, boolean forward, boolean reverseOut) {
        if (maxDepth < 0) {
            throw new IllegalArgumentException("maxDepth must be >= 0, got " + maxDepth);
        }
        int[] parent = new int[n];
        int[] depth = new int[n];
        Arrays.fill(parent, -2);
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        queue[tail++] = start;
        parent[start] = -1;
        int found = -1;
        while (head < tail) {
            int i = queue[head++];
            if (match != null && match.test(i)) { // the start itself may match, as in objgraph
                found = i;
                break;
            }
            if (depth[i] >= maxDepth) {
                continue;
            }
            int[] off = forward ? fwdOff : revOff;
            int[] to = forward ? fwd : rev;
            for (int k = off[i]; k < off[i + 1]; k++) {
                int j = to[k];
                if (parent[j] == -2) {
                    parent[j] = i;
                    depth[j] = depth[i] + 1;
                    queue[tail++] = j;
                }
            }
        }
        if (found < 0) {
            return new long[] {addr[start]};
        }
        LongBuf chain = new LongBuf();
        for (int i = found; i != -1; i = parent[i]) {
            chain.add(addr[i]);
        }
        long[] c = Arrays.copyOf(chain.a, chain.size); // found ... start
        if (!reverseOut) {
            reverse(c); // start ... found
        }
        return c;
    }

    private static void reverse(long[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    // ------------------------------------------------------------------ dominators

    /**
     * Bytes that would be freed if {@code obj} went: its own and those of every object it dominates
     * (every path from a root to them passes through it). Eclipse MAT's retained size.
     */
    public long retainedSize(long obj) {
        dominators();
        return retained[node(obj)];
    }

    /** The object that dominates {@code obj} (0 if only the roots together do, or if it is unreachable). */
    public long immediateDominator(long obj) {
        dominators();
        int d = idom[node(obj)];
        return d < 0 || d == n ? 0 : addr[d];
    }

    /** The {@code limit} objects retaining the most bytes, largest first. */
    public List<Retained> topRetainers(int limit) {
        dominators();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(retained[b], retained[a]));
        List<Retained> out = new ArrayList<>();
        for (int k = 0; k < Math.min(limit, n); k++) {
            int i = order[k];
            if (idom[i] < 0) {
                break; // unreachable from the roots: retains nothing
            }
            out.add(new Retained(addr[i], heap.typeOf(addr[i]).name(), retained[i]));
        }
        return out;
    }

    private long[] retained;

    /**
     * Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001): reverse postorder from a
     * virtual root (index n) whose successors are the objects held from outside, then idom[b] =
     * intersect of the processed predecessors' dominators, repeated until nothing changes.
     */
    private void dominators() {
        if (idom != null) {
            return;
        }
        int root = n;
        int[] post = new int[n + 1];
        Arrays.fill(post, -1);
        int[] rpo = new int[n + 1];
        int count = 0;
        // Iterative DFS for postorder.
        int[] stack = new int[n + 1];
        int[] edge = new int[n + 1];
        boolean[] seen = new boolean[n + 1];
        int[] rootSucc = rootSuccessors();
        int sp = 0;
        stack[sp++] = root;
        seen[root] = true;
        int number = 0;
        while (sp > 0) {
            int v = stack[sp - 1];
            int next = -1;
            if (v == root) {
                while (edge[v] < rootSucc.length) {
                    int w = rootSucc[edge[v]++];
                    if (!seen[w]) {
                        next = w;
                        break;
                    }
                }
            } else {
                while (fwdOff[v] + edge[v] < fwdOff[v + 1]) {
                    int w = fwd[fwdOff[v] + edge[v]++];
                    if (!seen[w]) {
                        next = w;
                        break;
                    }
                }
            }
            if (next >= 0) {
                seen[next] = true;
                stack[sp++] = next;
            } else {
                sp--;
                post[v] = number++;
                rpo[count++] = v;
            }
        }
        // rpo holds postorder; walk it backwards for reverse postorder.
        int[] dom = new int[n + 1];
        Arrays.fill(dom, -1);
        dom[root] = root;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int k = count - 2; k >= 0; k--) { // count-1 is the root
                int b = rpo[k];
                int newIdom = -1;
                for (int p = revOff[b]; p < revOff[b + 1]; p++) {
                    int pred = rev[p];
                    if (dom[pred] != -1) {
                        newIdom = newIdom == -1 ? pred : intersect(pred, newIdom, dom, post);
                    }
                }
                if (external[b] > 0) {
                    newIdom = newIdom == -1 ? root : intersect(root, newIdom, dom, post);
                }
                if (newIdom != -1 && dom[b] != newIdom) {
                    dom[b] = newIdom;
                    changed = true;
                }
            }
        }
        idom = dom;
        // Retained sizes: children before parents, i.e. in postorder.
        sizes = new long[n];
        retained = new long[n + 1];
        for (int k = 0; k < count - 1; k++) {
            int b = rpo[k];
            sizes[b] = ObjectSizes.sizeof(heap, addr[b]);
            retained[b] += sizes[b];
            retained[dom[b]] += retained[b];
        }
        for (int i = 0; i < n; i++) {
            if (!seen[i]) {
                idom[i] = -1;
            }
        }
    }

    private static int intersect(int a, int b, int[] dom, int[] post) {
        while (a != b) {
            while (post[a] < post[b]) {
                a = dom[a];
            }
            while (post[b] < post[a]) {
                b = dom[b];
            }
        }
        return a;
    }

    private int[] rootSuccessors() {
        IntBuf r = new IntBuf();
        for (int i = 0; i < n; i++) {
            if (external[i] > 0) {
                r.add(i);
            }
        }
        return Arrays.copyOf(r.a, r.size);
    }

    // ------------------------------------------------------------------ the address map

    private int node(long obj) {
        int i = index(obj);
        if (i < 0) {
            throw new IllegalArgumentException("0x" + Long.toHexString(obj) + " is not in this graph (not tracked,"
                    + " referenced by no tracked object, or immortal): pass it to RefGraph.build as an extra object");
        }
        return i;
    }

    private int index(long obj) {
        int mask = mapKeys.length - 1;
        for (int s = Index.hash(obj, mask); ; s = (s + 1) & mask) {
            if (mapKeys[s] == obj) {
                return mapVals[s];
            }
            if (mapKeys[s] == 0) {
                return -1;
            }
        }
    }

    /** Address -> node index, open addressing; grows at half full. */
    private static final class Index {
        long[] keys = new long[1 << 10];
        int[] vals = new int[1 << 10];
        int size;

        static int hash(long a, int mask) {
            return (int) ((a * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        }

        int add(long obj, LongBuf nodes) {
            int mask = keys.length - 1;
            int s = hash(obj, mask);
            while (keys[s] != 0) {
                if (keys[s] == obj) {
                    return vals[s];
                }
                s = (s + 1) & mask;
            }
            keys[s] = obj;
            vals[s] = nodes.size;
            nodes.add(obj);
            if (2 * ++size > keys.length) {
                grow();
            }
            return nodes.size - 1;
        }

        private void grow() {
            long[] ok = keys;
            int[] ov = vals;
            keys = new long[ok.length * 2];
            vals = new int[ok.length * 2];
            int mask = keys.length - 1;
            for (int i = 0; i < ok.length; i++) {
                if (ok[i] != 0) {
                    int s = hash(ok[i], mask);
                    while (keys[s] != 0) {
                        s = (s + 1) & mask;
                    }
                    keys[s] = ok[i];
                    vals[s] = ov[i];
                }
            }
        }
    }

    static final class LongBuf {
        long[] a = new long[16];
        int size;

        void add(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }
    }

    static final class IntBuf {
        int[] a = new int[16];
        int size;

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, size * 2);
            }
            a[size++] = v;
        }
    }

    /** A chain from a root held from outside the heap down to the object asked about. */
    public record Chain(long[] path, long rootExternalRefs) {
        /** The object this entry is about. @return its address */
        public long root() {
            return path[0];
        }
    }

    /** An object and the bytes it retains. */
    public record Retained(long obj, String type, long bytes) {
    }
}
