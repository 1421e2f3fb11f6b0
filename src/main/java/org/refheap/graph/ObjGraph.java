package org.refheap.graph;

import org.refheap.Heap;
import org.refheap.HeapStats;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * objgraph for refheap (mgedmin/objgraph's functions, camelCase), per heap. Type counts come from the
 * heap's own exact figures, so atoms (int, str, ...) count too, unlike objgraph's. The graph
 * functions work on a {@link RefGraph}, built in one pass; see there for exact roots, whyAlive and
 * retained sizes. Owner thread only.
 */
public final class ObjGraph {
    private final Heap heap;
    /** growth()'s peak counts per type (objgraph's default peak_stats). */
    private final Map<String, Long> peak = new HashMap<>();
    /** getNewIds()'s ids per type from the last call. */
    private Map<String, Set<Long>> lastIds;

    /** objgraph over {@code heap}. @param heap the heap to inspect */
    public ObjGraph(Heap heap) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        this.heap = heap;
    }

    /** Live objects of the type named {@code typeName}. */
    public long count(String typeName) {
        return heap.liveObjects(typeName);
    }

    /** Live objects per type name (types with none left out), immortal objects not counted. */
    public Map<String, Long> typestats() {
        HeapStats s = heap.stats();
        return new LinkedHashMap<>(s.liveByType());
    }

    /** (name, count), most numerous first (ties by name); {@code limit <= 0} for all. */
    public List<TypeCount> mostCommonTypes(int limit) {
        List<TypeCount> out = new ArrayList<>();
        typestats().forEach((k, v) -> out.add(new TypeCount(k, v)));
        out.sort((a, b) -> a.count() != b.count() ? Long.compare(b.count(), a.count()) : a.name().compareTo(b.name()));
        return limit > 0 && out.size() > limit ? out.subList(0, limit) : out;
    }

    /** Prints {@link #mostCommonTypes} as objgraph does: name left-aligned, count right-aligned. */
    public void showMostCommonTypes(int limit, PrintStream out) {
        List<TypeCount> rows = mostCommonTypes(limit);
        int width = rows.stream().mapToInt(r -> r.name().length()).max().orElse(0);
        for (TypeCount r : rows) {
            out.println(String.format("%-" + width + "s %d", r.name(), r.count()));
        }
    }

    /**
     * objgraph's {@code growth}: collects first, then the types whose count is above its previous peak,
     * with the increase, largest increase first; the peaks are updated.
     */
    public List<Growth> growth(int limit) {
        heap.gc().collect();
        List<Growth> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : typestats().entrySet()) {
            long old = peak.getOrDefault(e.getKey(), 0L);
            if (e.getValue() > old) {
                out.add(new Growth(e.getKey(), e.getValue(), e.getValue() - old));
                peak.put(e.getKey(), e.getValue());
            }
        }
        out.sort((a, b) -> a.delta() != b.delta() ? Long.compare(b.delta(), a.delta()) : a.name().compareTo(b.name()));
        return limit > 0 && out.size() > limit ? out.subList(0, limit) : out;
    }

    /** Prints {@link #growth} as objgraph's {@code show_growth}: {@code name  total  +delta}. */
    public void showGrowth(int limit, PrintStream out) {
        List<Growth> rows = growth(limit);
        int width = rows.stream().mapToInt(r -> r.name().length()).max().orElse(0);
        int w2 = rows.stream().mapToInt(r -> Long.toString(r.count()).length()).max().orElse(0);
        for (Growth r : rows) {
            out.println(String.format("%-" + width + "s %" + w2 + "d %+d", r.name(), r.count(), r.delta()));
        }
    }

    /**
     * objgraph's {@code get_new_ids}: collects, then per type the addresses of the graph's objects that
     * were not there at the previous call (all of them on the first call).
     */
    public Map<String, Set<Long>> getNewIds() {
        heap.gc().collect();
        RefGraph g = RefGraph.build(heap);
        Map<String, Set<Long>> now = new HashMap<>();
        for (long o : g.addr) {
            now.computeIfAbsent(heap.typeOf(o).name(), k -> new HashSet<>()).add(o);
        }
        Map<String, Set<Long>> fresh = new HashMap<>();
        for (Map.Entry<String, Set<Long>> e : now.entrySet()) {
            Set<Long> ids = new HashSet<>(e.getValue());
            if (lastIds != null) {
                ids.removeAll(lastIds.getOrDefault(e.getKey(), Set.of()));
            }
            if (!ids.isEmpty()) {
                fresh.put(e.getKey(), ids);
            }
        }
        lastIds = now;
        return fresh;
    }

    /** The graph's objects of type {@code typeName} (tracked objects and what they reference). */
    public long[] byType(String typeName) {
        RefGraph g = RefGraph.build(heap);
        return java.util.Arrays.stream(g.addr).filter(o -> heap.typeOf(o).name().equals(typeName)).toArray();
    }

    /** The object at {@code addr} if one is alive there, else 0: O(1), no scan (objgraph's {@code at}). */
    public long at(long addr) {
        return heap.isLive(addr) ? addr : 0;
    }

    /** Objects no other object of the graph refers to (objgraph's {@code get_leaking_objects}). */
    public long[] getLeakingObjects() {
        return RefGraph.build(heap).unreferenced();
    }

    /** objgraph's {@code find_ref_chain}. @param obj the start @param predicate what ends the chain @param maxDepth the longest chain searched @return the chain, or an empty array */
    public long[] findRefChain(long obj, LongPredicate predicate, int maxDepth) {
        return RefGraph.build(heap, obj).findRefChain(obj, predicate, maxDepth);
    }

    /** objgraph's {@code find_backref_chain}. @param obj the start @param predicate what ends the chain @param maxDepth the longest chain searched @return the chain, or an empty array */
    public long[] findBackrefChain(long obj, LongPredicate predicate, int maxDepth) {
        return RefGraph.build(heap, obj).findBackrefChain(obj, predicate, maxDepth);
    }

    /** See {@link RefGraph#whyAlive}. */
    public RefGraph.Chain whyAlive(long obj) {
        return RefGraph.build(heap, obj).whyAlive(obj);
    }

    /** Bytes that would be freed with {@code obj} (its dominator subtree). @param obj an object @return retained bytes */
    public long retainedSize(long obj) {
        return RefGraph.build(heap, obj).retainedSize(obj);
    }

    /** The objects retaining the most bytes. @param limit how many @return the retainers, biggest first */
    public List<RefGraph.Retained> topRetainers(int limit) {
        return RefGraph.build(heap).topRetainers(limit);
    }

    /** Graphviz picture of what {@code objs} reference, {@code maxDepth} levels deep; see {@link Dot#write}. */
    public Dot.Result showRefs(long[] objs, int maxDepth, Path file) {
        return Dot.write(heap, RefGraph.build(heap, objs), objs, maxDepth, true, file);
    }

    /** Graphviz picture of what references {@code objs}, up to the roots held from Java. */
    public Dot.Result showBackrefs(long[] objs, int maxDepth, Path file) {
        return Dot.write(heap, RefGraph.build(heap, objs), objs, maxDepth, false, file);
    }

    /** Graphviz picture of one chain (from {@link #findBackrefChain} or {@link RefGraph.Chain#path}). */
    public Dot.Result showChain(long[] chain, Path file) {
        return Dot.chain(heap, RefGraph.build(heap, chain), chain, file);
    }

    /** A type and how many live objects it has. @param name the type @param count its live objects */
    public record TypeCount(String name, long count) {
    }

    /** A type's live objects and their change since the last call. @param name the type @param count live objects @param delta the change */
    public record Growth(String name, long count, long delta) {
    }
}
