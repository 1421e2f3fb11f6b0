package org.refheap.weak;

import org.refheap.Heap;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * The struct types of the weak collections, defined once per heap, so that objgraph counts each kind
 * by name and a chain from a root reads "WeakValueDictionary -> dict -> weakref":
 * <pre>
 *  type                 field  holds (a reference)
 *  WeakValueDictionary  data   dict: key -> weakref to the value
 *  WeakKeyDictionary    refs   dict: int(address of the key) -> weakref to the key
 *                       data   dict: int(address of the key) -> value
 *  WeakSet              refs   dict: int(address of the element) -> weakref to it
 *                       data   NULL
 *  finalize             ref    the weakref to the object
 *                       args   tuple of the arguments
 * </pre>
 */
final class Types {
    /** Not a WeakHashMap: the struct types hold their heap; closed heaps are dropped whenever one is looked up. */
    private static final Map<Heap, Types> TYPES = new HashMap<>();

    final StructType wvd;
    final StructType.Field wvdData;
    final StructType wkd;
    final StructType.Field wkdRefs;
    final StructType.Field wkdData;
    final StructType wset;
    final StructType.Field wsetRefs;
    final StructType.Field wsetData;
    final StructType fin;
    final StructType.Field finRef;
    final StructType.Field finArgs;

    private Types(Heap heap) {
        wvd = heap.defineStruct("WeakValueDictionary", MemoryLayout.structLayout(ADDRESS.withName("data")));
        wkd = heap.defineStruct("WeakKeyDictionary", MemoryLayout.structLayout(ADDRESS.withName("refs"),
                ADDRESS.withName("data")));
        wset = heap.defineStruct("WeakSet", MemoryLayout.structLayout(ADDRESS.withName("refs"),
                ADDRESS.withName("data")));
        fin = heap.defineStruct("finalize", MemoryLayout.structLayout(ADDRESS.withName("ref"),
                ADDRESS.withName("args")));
        wvdData = wvd.field("data");
        wkdRefs = wkd.field("refs");
        wkdData = wkd.field("data");
        wsetRefs = wset.field("refs");
        wsetData = wset.field("data");
        finRef = fin.field("ref");
        finArgs = fin.field("args");
    }

    static Types of(Heap heap) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        synchronized (TYPES) {
            TYPES.keySet().removeIf(Heap::isClosed);
            return TYPES.computeIfAbsent(heap, Types::new);
        }
    }
}
