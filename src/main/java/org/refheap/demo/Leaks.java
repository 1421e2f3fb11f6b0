package org.refheap.demo;

import org.refheap.Heap;
import org.refheap.StructOptions;
import org.refheap.StructType;
import org.refheap.cache.LruCache;
import org.refheap.graph.Dot;
import org.refheap.graph.ObjGraph;
import org.refheap.graph.RefGraph;
import org.refheap.trace.Snapshot;
import org.refheap.trace.StatisticDiff;
import org.refheap.trace.Tracemalloc;
import org.refheap.weak.WeakValueDictionary;

import java.lang.foreign.MemoryLayout;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code make leaks}: the three usual causes of a leak and the tools that find them, run for real.
 * Read it top to bottom; each step prints what it shows. docs/LEAKS.md has the output.
 */
public final class Leaks {
    private final Heap heap;
    /** Step 2's "module-level" registry: every request adds to it and nothing removes. */
    private long registry;

    private Leaks(Heap heap) {
        this.heap = heap;
    }

    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "target/leaks");
        try (Heap heap = Heap.create()) {
            Leaks l = new Leaks(heap);
            l.tracemallocDiff();
            l.globalState();
            l.unboundedCache();
            l.finalizerCycles();
            l.picture(out);
            heap.decref(l.registry);
        }
    }

    private static void title(String s) {
        System.out.println();
        System.out.println("== " + s + " ==");
    }

    // 1 ---------------------------------------------------------------------------------------------

    /** The seed's example: a function that appends 10,000 strs to a list it returns. */
    private long makeStrings() {
        long list = heap.newList();
        for (int i = 0; i < 10_000; i++) {
            long s = heap.newStr("line " + i);
            heap.lists().append(list, s);
            heap.decref(s);
        }
        return list;
    }

    private void tracemallocDiff() {
        title("1. tracemalloc: where did the memory go?");
        Tracemalloc tm = Tracemalloc.of(heap);
        tm.start(1);
        Snapshot before = tm.takeSnapshot();
        long list = makeStrings();
        Snapshot after = tm.takeSnapshot();
        System.out.println("[ Top 10 differences ]");
        List<StatisticDiff> diff = after.compareTo(before, Snapshot.LINENO);
        for (StatisticDiff d : diff.subList(0, Math.min(10, diff.size()))) {
            System.out.println(d);
        }
        System.out.println("traced memory: current " + tm.getTracedMemory().current() + " bytes, peak "
                + tm.getTracedMemory().peak() + "; tracemalloc itself holds " + tm.getTracemallocMemory() + " bytes");
        heap.decref(list);
        tm.stop();
    }

    // 2 ---------------------------------------------------------------------------------------------

    private void handleRequest(int i) {
        long session = heap.newDict();
        long k = heap.newStr("user");
        long v = heap.newStr("user-" + i);
        heap.dicts().put(session, k, v);
        heap.decref(k);
        heap.decref(v);
        heap.lists().append(registry, session); // the leak: nothing ever removes it
        heap.decref(session);
    }

    private void globalState() {
        title("2. Global state: a registry every request adds to");
        registry = heap.newList();
        ObjGraph og = new ObjGraph(heap);
        og.growth(0); // the baseline peaks
        for (int round = 1; round <= 3; round++) {
            for (int i = 0; i < 1000; i++) {
                handleRequest(round * 1000 + i);
            }
            System.out.println("after round " + round + ", showGrowth():");
            og.showGrowth(10, System.out);
        }
        long last = heap.lists().get(registry, heap.lists().size(registry) - 1);
        RefGraph.Chain why = og.whyAlive(last);
        System.out.println("whyAlive(the last session): " + describe(why) + "; the root is held by "
                + why.rootExternalRefs() + " reference from Java (the registry field)");
    }

    private String describe(RefGraph.Chain c) {
        StringBuilder sb = new StringBuilder();
        for (long o : c.path()) {
            sb.append(sb.isEmpty() ? "" : " -> ").append(heap.typeOf(o).name()).append("@0x").append(Long.toHexString(o));
        }
        return sb.toString();
    }

    // 3 ---------------------------------------------------------------------------------------------

    private long expensive(long key) {
        return heap.newStr("result for " + heap.intValue(key) + " ".repeat(100));
    }

    private void unboundedCache() {
        title("3. A dict used as a cache grows forever; lru_cache(maxsize=128) does not");
        long cache = heap.newDict();
        long base = heap.bytesInUse();
        int next = 0;
        for (int round = 1; round <= 4; round++) {
            for (int i = 0; i < 2000; i++, next++) {
                long key = heap.newInt(1_000_000 + next);
                if (heap.dicts().get(cache, key) == 0) {
                    long v = expensive(key);
                    heap.dicts().put(cache, key, v);
                    heap.decref(v);
                }
                heap.decref(key);
            }
            System.out.println("dict cache, round " + round + ": " + (heap.bytesInUse() - base) + " bytes in use");
        }
        heap.decref(cache);
        base = heap.bytesInUse();
        java.util.SplittableRandom random = new java.util.SplittableRandom(9);
        try (LruCache lru = LruCache.create(heap, 128)) {
            for (int round = 1; round <= 4; round++) {
                for (int i = 0; i < 2000; i++) {
                    // Skewed keys, as real lookups are: a few hot ones, a long tail of 1000.
                    long key = heap.newInt(1_000_000 + (int) (Math.pow(random.nextDouble(), 3) * 1000));
                    heap.decref(lru.computeIfAbsent(key, this::expensive));
                    heap.decref(key);
                }
                System.out.println("LruCache(128), round " + round + ": " + (heap.bytesInUse() - base)
                        + " bytes in use, " + lru.cacheInfo());
            }
        }
        weakCache();
    }

    /** The other cure, for a cache of objects that live elsewhere anyway: weakref.WeakValueDictionary. */
    private void weakCache() {
        StructType session = heap.defineStruct("Session", MemoryLayout.structLayout(JAVA_LONG.withName("id")),
                StructOptions.DEFAULT.withWeakrefs());
        try (WeakValueDictionary byId = WeakValueDictionary.create(heap)) {
            long[] open = new long[1000];
            for (int i = 0; i < open.length; i++) {
                open[i] = session.allocate();
                long key = heap.newInt(2_000_000 + i);
                byId.put(key, open[i]); // the key is held, the session only weakly
                heap.decref(key);
            }
            System.out.println("WeakValueDictionary of the 1000 open sessions: len " + byId.size());
            for (long s : open) {
                heap.decref(s); // the sessions end: nothing else holds them, and their entries go with them
            }
            System.out.println("after they end: len " + byId.size() + ", " + heap.liveObjects("Session")
                    + " Session objects alive: a cache that cannot leak");
        }
    }

    // 4 ---------------------------------------------------------------------------------------------

    private void finalizerCycles() {
        title("4. Cycles whose members have finalizers");
        StructType[] type = new StructType[1];
        type[0] = heap.defineStruct("Resource", MemoryLayout.structLayout(ADDRESS.withName("peer")),
                StructOptions.DEFAULT.withFinalizer(obj -> System.out.println("  __del__ of Resource@0x"
                        + Long.toHexString(obj) + " runs")));
        StructType.Field peer = type[0].field("peer");
        long a = type[0].allocate();
        long b = type[0].allocate();
        peer.setRef(a, b);
        peer.setRef(b, a);
        heap.decref(a);
        heap.decref(b);
        System.out.println("two Resources hold each other and nothing else holds them; gc.collect():");
        long found = heap.gc().collect();
        System.out.println("collected " + found + " objects, gc.garbage holds " + heap.lists().size(heap.gc().garbage())
                + " (PEP 442, Python 3.4+; before 3.4 such a cycle went to gc.garbage and stayed there)");
    }

    // 5 ---------------------------------------------------------------------------------------------

    private void picture(Path dir) {
        title("5. The chain that keeps a session alive, drawn");
        ObjGraph og = new ObjGraph(heap);
        long first = heap.lists().get(registry, 0);
        long[] chain = og.whyAlive(first).path();
        Dot.Result r = og.showChain(chain, dir.resolve("chain.svg"));
        System.out.println(r.message());
        System.out.println("retained by the registry: " + og.retainedSize(registry) + " bytes; top retainers:");
        for (RefGraph.Retained t : og.topRetainers(3)) {
            System.out.println("  " + t.type() + "@0x" + Long.toHexString(t.obj()) + ": " + t.bytes() + " bytes");
        }
    }
}
