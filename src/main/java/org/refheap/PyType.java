package org.refheap;

import org.refheap.layout.TypeLayout;

/**
 * The Java face of a type object that lives in a heap (see {@link TypeLayout} for its native
 * layout). Read-only; one per type per heap.
 */
public final class PyType {
    final Heap heap;
    final String name;
    final int id;
    final long address;
    final int kind;
    final int flags;
    final long basicSize;
    final long itemSize;
    private final long[] refOffsets;
    final Finalizer finalizer;
    /** The struct type whose instances have this type, or null (set once, when it is bound). */
    StructType struct;

    PyType(Heap heap, String name, int id, long address, int kind, int flags, long basicSize, long itemSize,
            long[] refOffsets, Finalizer finalizer) {
        this.heap = heap;
        this.name = name;
        this.id = id;
        this.address = address;
        this.kind = kind;
        this.flags = flags;
        this.basicSize = basicSize;
        this.itemSize = itemSize;
        this.refOffsets = refOffsets;
        this.finalizer = finalizer;
    }

    /** Whether the type has a finalizer. */
    public boolean hasFinalizer() {
        return finalizer != null;
    }

    /** The type's name, as {@code type(x).__name__} gives it. */
    public String name() {
        return name;
    }

    /** Address of the type object in the heap (what every instance's {@code ob_type} holds). */
    public long address() {
        return address;
    }

    /** Whether instances carry a GC head (they can hold references). */
    public boolean isContainer() {
        return (flags & TypeLayout.FLAG_HAVE_GC) != 0;
    }

    /** Bytes of header and fixed payload, the GC head not included ({@code tp_basicsize}). */
    public long basicSize() {
        return basicSize;
    }

    /** Bytes per item of a variable-size type, else 0 ({@code tp_itemsize}). */
    public long itemSize() {
        return itemSize;
    }

    /** Offsets of the reference fields of a struct type, from the object address. */
    public long[] refOffsets() {
        return refOffsets.clone();
    }

    @Override
    public String toString() {
        return "<class '" + name + "'>";
    }
}
