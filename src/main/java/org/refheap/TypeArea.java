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
 * bytes of their own, bump allocated and never freed, as types are immortal. One byte per 16 bytes
 * of the run says where a type object starts and what the collector needs of it, so that "is this
 * word a type object?" (every checked access asks it of an object's {@code ob_type}) is a range
 * check and an array load, exact, with no native read:
 * <pre>
 *  bit  7    TYPE_SLOT   a type object starts here
 *  bit  6    SLOT_GC     its instances carry a GC head
 *  bit  5    SLOT_CYCLIC its instances can be part of a reference cycle (see {@link #mayBeCyclic})
 *  bits 4..0 SLOT_KIND   its KIND_* value
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

    private final Heap heap;
    private final long block;
    private final byte[] slots = new byte[SIZE >> 4];
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
        return off >= 0 && off < top && (off & 15) == 0 && slots[(int) (off >>> 4)] != 0;
    }

    /** SLOT_GC and SLOT_KIND of type object {@code t}; {@code t} must be a type object. */
    int info(long t) {
        return slots[(int) ((t - block) >>> 4)];
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
        slots[(int) (top >>> 4)] = (byte) (TYPE_SLOT | ((flags & FLAG_HAVE_GC) != 0 ? SLOT_GC : 0)
                | (mayBeCyclic(kind, flags, refOffsets.length) ? SLOT_CYCLIC : 0) | kind);
        top += size;
        heap.putLong(t, IMMORTAL);
        heap.putLong(t + TYPE, typeType == 0 ? t : typeType); // `type` is its own type
        heap.putLong(t + TP_NAME, 0);
        heap.putLong(t + TP_BASICSIZE, basicsize);
        heap.putLong(t + TP_ITEMSIZE, itemsize);
        heap.putInt(t + TP_FLAGS, flags);
        heap.putInt(t + TP_KIND, kind);
        int tid = count;
        heap.putInt(t + TP_ID, tid);
        heap.putInt(t + TP_NREFS, refOffsets.length);
        heap.putLong(t + TP_WEAKLISTOFFSET, weaklistoffset);
        for (int i = 0; i < refOffsets.length; i++) {
            heap.putLong(t + TP_REFOFFS + 8L * i, refOffsets[i]);
        }
        if (tid == types.length) {
            types = Arrays.copyOf(types, tid * 2);
        }
        PyType pt = new PyType(heap, name, tid, t, kind, flags, basicsize, itemsize, refOffsets.clone(), finalizer);
        types[tid] = pt;
        count = tid + 1;
        byName.put(name, pt);
        return t;
    }
}
