package org.refheap;

import org.refheap.share.HeapDoor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

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

    ShareDoor(Heap heap) {
        this.heap = heap;
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
     * Int, float, str, bytes, None, bool, and tuples of those (checked all the way down: tuples are
     * acyclic, built from existing items, so the walk ends). Anything else is a WrongTypeException
     * naming the first mutable object met.
     */
    @Override
    public int checkShareable(long obj) {
        heap.checkLive(obj);
        int kind = kindOf(obj);
        if (kind != KIND_TUPLE) {
            return requireImmutable(obj, obj, kind);
        }
        long[] stack = {obj};
        int sp = 1;
        while (sp > 0) {
            long t = stack[--sp];
            long n = heap.getLong(t + TUPLE_SIZE);
            for (long i = 0; i < n; i++) {
                long item = heap.getLong(t + TUPLE_ITEMS + 8 * i);
                int k = kindOf(item);
                if (k == KIND_TUPLE) {
                    if (sp == stack.length) {
                        stack = Arrays.copyOf(stack, sp * 2);
                    }
                    stack[sp++] = item;
                } else {
                    requireImmutable(obj, item, k);
                }
            }
        }
        return KIND_TUPLE;
    }

    private int requireImmutable(long shared, long obj, int kind) {
        switch (kind) {
            case KIND_NONE, KIND_BOOL, KIND_INT, KIND_FLOAT, KIND_STR, KIND_BYTES, KIND_TUPLE -> {
                return kind;
            }
            default -> throw new WrongTypeException("cannot share " + heap.describe(shared) + " with other threads: "
                    + (shared == obj ? "it" : "it holds " + heap.describe(obj) + ", which")
                    + " is mutable; only int, float, str, bytes, None, bool and tuples of those cross threads"
                    + " (copy what the reader needs into a tuple)");
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
}
