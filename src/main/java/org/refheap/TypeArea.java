package org.refheap;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.refheap.layout.ObjectLayout.IMMORTAL;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.*;

/**
 * The type objects of one heap and the Java-side table beside them.
 *
 * <p>Type objects (layout in {@link org.refheap.layout.TypeLayout}) live in one run of {@link #SIZE}
 * bytes of their own, bump allocated and never freed, as types are immortal. One int per 16 bytes
 * of the run says where a type object starts and what the hot paths need of it, so that "is this
 * word a type object?" (every checked access asks it of an object's {@code ob_type}) is a mask and
 * an array load, exact, and a dealloc reads the type's flags without touching the type object:
 * <pre>
 *  bits 31..16 SLOT_TID       its tp_id (the index of its PyType)
 *  bits 15..10 SLOT_SZIDX     1 + the allocator's size class of its instances' blocks, when all
 *                             have one size and it is small; 0 otherwise (str, tuple, large)
 *  bit  9      SLOT_WEAKLIST  its instances have a weakref list (tp_weaklistoffset != 0)
 *  bit  8      SLOT_FINALIZER its type has a finalizer (FLAG_HAVE_FINALIZER)
 *  bit  7      TYPE_SLOT      a type object starts here (so a slot is 0 exactly where none does)
 *  bit  6      SLOT_GC        its instances carry a GC head
 *  bit  5      SLOT_CYCLIC    its instances can be part of a reference cycle (see {@link #mayBeCyclic})
 *  bits 4..0   SLOT_KIND      its KIND_* value
 * </pre>
 * Half a page arena: even the smallest heap keeps room for runs over 512 bytes, and some two
 * thousand struct types fit. Behaviour only Java can hold (names, finalizers) is in the
 * {@link PyType} at index {@code tp_id}.
 */
final class TypeArea {
    static final int SIZE = 1 << 19;
    static final int TYPE_SLOT = 0x80;
    static final int SLOT_GC = 0x40;
    static final int SLOT_CYCLIC = 0x20;
    static final int SLOT_KIND = 0x1f;
    static final int SLOT_FINALIZER = 0x100;
    static final int SLOT_WEAKLIST = 0x200;
    static final int SLOT_TID_SHIFT = 16;
    static final int SLOT_SZIDX_SHIFT = 10;
    static final int SLOT_SZIDX_MASK = 0x3f;
    /**
     * {@code (t - block) & OFFSET_MASK} is 0 exactly when {@code t - block} is a multiple of 16 in
     * [0, SIZE): SIZE is a power of two, so the mask keeps every bit outside bits 4..18.
     */
    static final long OFFSET_MASK = ~(long) (SIZE - 16);

    private final Heap heap;
    private final long block;
    final int[] slots = new int[SIZE >> 4];
    private long top;
    private PyType[] types = new PyType[16];
    private int count;
    private final Map<String, PyType> byName = new LinkedHashMap<>();

    TypeArea(Heap heap, long block) {
        this.heap = heap;
        this.block = block;
    }

    /** The run's address (an immortal raw block of the heap). */
    long block() {
        return block;
    }

    boolean isTypeObject(long t) {
        long off = t - block;
        return (off & OFFSET_MASK) == 0 && slots[(int) (off >>> 4)] != 0;
    }

    /** The slot of type object {@code t} (table above); {@code t} must be a type object. */
    int info(long t) {
        return slots[(int) ((t - block) >>> 4)];
    }

    /** SLOT_SZIDX of a type: the size class of its instances' blocks, plus one, if they all share one. */
    private static int szidxBits(int flags, long basicsize) {
        long block = basicsize + ((flags & FLAG_HAVE_GC) != 0 ? org.refheap.layout.ObjectLayout.GC_HEAD_SIZE : 0);
        if ((flags & FLAG_VAR) != 0 || block > org.refheap.alloc.SizeClasses.SMALL_REQUEST_THRESHOLD) {
            return 0;
        }
        return (org.refheap.alloc.SizeClasses.index((int) block) + 1) << SLOT_SZIDX_SHIFT;
    }

    /**
     * Whether an instance can be part of a reference cycle, so that dropping a reference to it may
     * leave cyclic garbage (the candidate collector buffers only such objects; Bacon and Rajan's
     * "green" objects are the others). A cycle needs every member to hold a reference: atoms hold
     * none, a weakref holds none that counts, and a struct type without reference fields holds none
     * (a finalizer alone gives it a GC head, not a reference). A struct field is untyped (any object
     * may be stored), so a struct with one reference field can always close a cycle: unlike Java's
     * final classes, no type analysis can prove a struct acyclic. Tuples may be cyclic as a type;
     * the instances made of atoms alone are untracked, which the collector checks per object.
     */
    static boolean mayBeCyclic(int kind, int flags, int nrefs) {
        if ((flags & FLAG_HAVE_GC) == 0) {
            return false;
        }
        return switch (kind) {
            case KIND_TUPLE, KIND_LIST, KIND_DICT -> true;
            case KIND_STRUCT -> nrefs > 0;
            default -> false;
        };
    }

    int count() {
        return count;
    }

    PyType byId(int tid) {
        return types[tid];
    }

    /** The type named {@code name}, or null. */
    PyType byName(String name) {
        return byName.get(name);
    }

    /** The name of type object {@code t}, or "?" when {@code t} is not one. */
    String name(long t) {
        return isTypeObject(t) ? types[heap.getInt(t + TP_ID)].name : "?";
    }

    /**
     * Writes a new type object and registers it under {@code name}; returns its address. Nothing is
     * written or registered when the area is full (a {@link RefHeapException} naming it).
     */
    long define(String name, int kind, int flags, long basicsize, long itemsize, long[] refOffsets,
            long weaklistoffset, Finalizer finalizer, long typeType) {
        long size = (org.refheap.layout.TypeLayout.size(refOffsets.length) + 15) & -16L;
        if (top + size > SIZE) {
            throw new RefHeapException("cannot define type '" + name + "': the " + SIZE + "-byte type area of heap #"
                    + heap.id + " is full (" + count + " types)");
        }
        long t = block + top;
        int tid = count;
        if (tid >= 1 << (32 - SLOT_TID_SHIFT - 1)) {
            throw new RefHeapException("cannot define type '" + name + "': heap #" + heap.id + " already has " + tid
                    + " types");
        }
        long slotIndex = top >>> 4;
        top += size;
        heap.putLong(t, IMMORTAL);
        heap.putLong(t + TYPE, typeType == 0 ? t : typeType); // `type` is its own type
        heap.putLong(t + TP_NAME, 0);
        heap.putLong(t + TP_BASICSIZE, basicsize);
        heap.putLong(t + TP_ITEMSIZE, itemsize);
        heap.putInt(t + TP_FLAGS, flags);
        heap.putInt(t + TP_KIND, kind);
        heap.putInt(t + TP_ID, tid);
        heap.putInt(t + TP_NREFS, refOffsets.length);
        heap.putLong(t + TP_WEAKLISTOFFSET, weaklistoffset);
        for (int i = 0; i < refOffsets.length; i++) {
            heap.putLong(t + TP_REFOFFS + 8L * i, refOffsets[i]);
        }
        if (tid == types.length) {
            types = Arrays.copyOf(types, tid * 2);
        }
        // Published last: until now nothing takes t for a type.
        slots[(int) slotIndex] = TYPE_SLOT | ((flags & FLAG_HAVE_GC) != 0 ? SLOT_GC : 0) | kind
                | (mayBeCyclic(kind, flags, refOffsets.length) ? SLOT_CYCLIC : 0)
                | ((flags & FLAG_HAVE_FINALIZER) != 0 ? SLOT_FINALIZER : 0) | (weaklistoffset != 0 ? SLOT_WEAKLIST : 0)
                | szidxBits(flags, basicsize) | tid << SLOT_TID_SHIFT;
        PyType pt = new PyType(heap, name, tid, t, kind, flags, basicsize, itemsize, refOffsets.clone(), finalizer);
        types[tid] = pt;
        count = tid + 1;
        byName.put(name, pt);
        return t;
    }
}
