package org.refheap;

import static org.refheap.layout.BuiltinLayouts.LIST_ITEMS;
import static org.refheap.layout.ObjectLayout.GC_HEAD_SIZE;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.KIND_DICT;
import static org.refheap.layout.TypeLayout.KIND_LIST;
import static org.refheap.layout.TypeLayout.TP_KIND;

/**
 * Bytes an object holds: its block (GC head included) and the raw block it owns (a list's items, a
 * dict's table), as the allocator sized them. What objgraph's retained sizes add up; CPython's
 * {@code sys.getsizeof} plus the GC head. A door for {@code org.refheap.graph}, kept out of Heap.
 */
public final class ObjectSizes {
    private ObjectSizes() {
    }

    /** The bytes {@code obj} (a live object of {@code heap}) keeps allocated by itself. */
    public static long sizeof(Heap heap, long obj) {
        heap.checkOwner();
        heap.checkLive(obj);
        long type = heap.getLong(obj + TYPE);
        boolean container = heap.isContainerType(type);
        long size = heap.alloc.usableSize(container ? obj - GC_HEAD_SIZE : obj);
        int kind = heap.getInt(type + TP_KIND);
        if (kind == KIND_DICT) {
            return size + heap.dicts().rawBytes(obj); // index and entries, both pairs while it rebuilds
        }
        long raw = kind == KIND_LIST ? heap.getLong(obj + LIST_ITEMS) : 0;
        return raw == 0 ? size : size + heap.alloc.usableSize(raw);
    }
}
