package org.refheap;

import org.refheap.share.HeapDoor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static org.refheap.layout.BuiltinLayouts.STR_DATA;
import static org.refheap.layout.BuiltinLayouts.STR_SIZE;
import static org.refheap.layout.BuiltinLayouts.TUPLE_ITEMS;
import static org.refheap.layout.BuiltinLayouts.TUPLE_SIZE;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.*;

/**
 * The one door from {@code org.refheap.share} into a heap: package-private, so that only
 * {@link Heap} can make one and hand it to its {@code RemoteRefs}. Owner-side methods run on the
 * owner thread (RemoteRefs calls them only there); the reads run on any thread, on objects a
 * {@code SharedRef} keeps alive, so they go through the (shared) segment's bounds and liveness
 * checks and no heap state but the header and payload of the object itself.
 */
final class ShareDoor implements HeapDoor {
    private final Heap heap;
    /** The heap's owner: the door is made on it (the heap's first share). */
    private final Thread owner;

    ShareDoor(Heap heap) {
        this.heap = heap;
        this.owner = Thread.currentThread();
    }

    @Override
    public int heapId() {
        return heap.id;
    }

    @Override
    public boolean isDebug() {
        return heap.debug;
    }

    // ---------------------------------------------------------------- owner thread

    /**
     * Int, float, str, bytes, None, bool, tuples of those, and instances of struct types whose
     * reference fields are all read-only once published (their referents shareable in turn), checked
     * all the way down; anything else is a WrongTypeException naming the first mutable object met.
     * Once everything passed, every struct met is marked published: its read-only fields are frozen.
     * Tuples are acyclic (built from existing items); structs may form cycles, so they are visited once.
     */
    @Override
    public int checkShareable(long obj) {
        heap.checkLive(obj);
        int kind = kindOf(obj);
        if (kind != KIND_TUPLE && kind != KIND_STRUCT) {
            return requireImmutable(obj, obj, kind);
        }
        Set<Long> structs = null;
        long[] stack = {obj};
        int sp = 1;
        while (sp > 0) {
            long t = stack[--sp];
            int k = kindOf(t);
            if (k == KIND_TUPLE) {
                long n = heap.getLong(t + TUPLE_SIZE);
                for (long i = 0; i < n; i++) {
                    if (sp == stack.length) {
                        stack = Arrays.copyOf(stack, sp * 2);
                    }
                    stack[sp++] = heap.getLong(t + TUPLE_ITEMS + 8 * i);
                }
            } else if (k == KIND_STRUCT) {
                if (structs == null) {
                    structs = new LinkedHashSet<>();
                }
                if (!structs.add(t)) {
                    continue;
                }
                StructType st = requireShareableStruct(obj, t);
                for (StructType.Field f : st.fields().values()) {
                    if (f.isReference()) {
                        long target = heap.getLong(t + f.offset());
                        if (target != 0) {
                            if (sp == stack.length) {
                                stack = Arrays.copyOf(stack, sp * 2);
                            }
                            stack[sp++] = target;
                        }
                    }
                }
            } else {
                requireImmutable(obj, t, k);
            }
        }
        if (structs != null) {
            for (long t : structs) {
                heap.typeOf(t).struct.publish(t);
            }
        }
        return kind;
    }

    private StructType requireShareableStruct(long shared, long obj) {
        StructType st = heap.typeOf(obj).struct;
        String what = "cannot share " + heap.describe(shared) + " with other threads: "
                + (shared == obj ? "it" : "it holds " + heap.describe(obj) + ", which") + " is an instance of struct "
                + st.name() + ", ";
        if (!st.hasReadOnlyFields()) {
            throw new WrongTypeException(what + "which declares no read-only field (all its fields are mutable): declare the fields other threads"
                    + " read with StructOptions.withReadOnly(...) (every reference field among them), or copy what"
                    + " the reader needs into a tuple");
        }
        if (heap.typeOf(obj).hasFinalizer() || st.weakrefable) {
            throw new WrongTypeException(what + "which has " + (st.weakrefable ? "weak references" : "a finalizer")
                    + ": applying another thread's release may not run callbacks (copy what the reader needs into a"
                    + " tuple, or declare a type without it)");
        }
        for (StructType.Field f : st.fields().values()) {
            if (f.isReference() && !f.isReadOnly()) {
                throw new WrongTypeException(what + "whose reference field '" + f.name() + "' is mutable: declare it"
                        + " read-only too (StructOptions.withReadOnly(\"" + f.name() + "\"))");
            }
        }
        return st;
    }

    private int requireImmutable(long shared, long obj, int kind) {
        switch (kind) {
            case KIND_NONE, KIND_BOOL, KIND_INT, KIND_FLOAT, KIND_STR, KIND_BYTES, KIND_TUPLE -> {
                return kind;
            }
            default -> throw new WrongTypeException("cannot share " + heap.describe(shared) + " with other threads: "
                    + (shared == obj ? "it" : "it holds " + heap.describe(obj) + ", which")
                    + " is mutable; only int, float, str, bytes, None, bool, tuples of those and structs with"
                    + " read-only fields cross threads (copy what the reader needs into a tuple)");
        }
    }

    @Override
    public void incref(long obj) {
        heap.incref(obj);
    }

    @Override
    public void decref(long obj) {
        heap.decref(obj);
    }

    @Override
    public boolean canDrainNow() {
        return !heap.collector().collecting;
    }

    @Override
    public void unraisable(String where, Throwable t) {
        heap.unraisable(where, t);
    }

    // ---------------------------------------------------------------- any thread

    @Override
    public int kindOf(long obj) {
        if (!heap.inRange(obj) || (obj & 15) != 0) {
            return -1;
        }
        long type = heap.getLong(obj + TYPE);
        return heap.isTypeObject(type) ? heap.typeInfo(type) & Heap.SLOT_KIND : -1;
    }

    @Override
    public String typeName(long obj) {
        long type = heap.getLong(obj + TYPE);
        if (heap.isTypeObject(type)) {
            return heap.typeName(type);
        }
        return heap.isFreedType(type) ? heap.typeName(type - 1) + ", freed" : "?";
    }

    @Override
    public long word(long address) {
        return heap.getLong(address);
    }

    @Override
    public double doubleAt(long address) {
        return heap.seg.get(JAVA_DOUBLE_UNALIGNED, address - heap.base);
    }

    @Override
    public byte[] bytes(long obj) {
        int n = (int) heap.getLong(obj + STR_SIZE);
        byte[] out = new byte[n];
        MemorySegment.copy(heap.seg, JAVA_BYTE, obj + STR_DATA - heap.base, out, 0, n);
        return out;
    }

    @Override
    public String str(long obj) {
        return StrCodec.decode(bytes(obj));
    }

    @Override
    public long structLong(long obj, StructType.Field f) {
        checkField(obj, f);
        return f.readLong(obj);
    }

    @Override
    public double structDouble(long obj, StructType.Field f) {
        checkField(obj, f);
        return f.readDouble(obj);
    }

    @Override
    public long structRef(long obj, StructType.Field f) {
        checkField(obj, f);
        if (!f.isReference()) {
            throw new WrongTypeException("field " + f + " is not a reference field");
        }
        return heap.getLong(obj + f.offset());
    }

    /**
     * The field belongs to the object's type, is read-only, and the object is published (it is,
     * when a SharedRef holds it: sharing publishes; checked anyway).
     */
    private void checkField(long obj, StructType.Field f) {
        StructType st = f.structType();
        if (st.heap() != heap || heap.getLong(obj + TYPE) != st.typeAddress()) {
            throw new WrongTypeException("field " + f + " does not belong to the type of the shared object ("
                    + typeName(obj) + ")");
        }
        if (!f.isReadOnly()) {
            throw f.wrongThread(new WrongThreadException("heap #" + heap.id + " belongs to thread '"
                    + owner.getName() + "'"));
        }
        if (!st.publishedNoCheck(obj)) {
            throw new IllegalStateException("the instance of " + st.name() + " was not published");
        }
    }
}
