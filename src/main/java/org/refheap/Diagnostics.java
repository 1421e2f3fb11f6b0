package org.refheap;

import static org.refheap.layout.ObjectLayout.IMMORTAL;
import static org.refheap.layout.ObjectLayout.TYPE;

/**
 * The words of every error about an address: what it holds ("0x7f3a00001040 (type list, refcount
 * 2)"), and the exception for each way it can be wrong. Only failure paths come here, so nothing on
 * a successful call builds a string. Safe on any address: reads stay inside the reservation.
 */
final class Diagnostics {
    private final Heap h;

    Diagnostics(Heap heap) {
        this.h = heap;
    }

    /** "0x7f3a00001040 (type list, refcount 2)", "(type Node, freed)", "(outside heap #3)". */
    String describe(long obj) {
        StringBuilder sb = new StringBuilder("0x").append(Long.toHexString(obj));
        if (!h.inRange(obj)) {
            return sb.append(" (outside heap #").append(h.id).append(')').toString();
        }
        long type = h.getLong(obj + TYPE);
        long rc = h.getLong(obj);
        if (h.isFreedType(type)) {
            return sb.append(" (type ").append(h.typeName(type - 1)).append(", freed)").toString();
        }
        sb.append(" (type ").append(h.isTypeObject(type) ? h.typeName(type) : h.debug ? "unknown: memory poisoned" : "?");
        if (rc >= IMMORTAL) {
            sb.append(", immortal");
        } else {
            sb.append(", refcount ").append(rc <= 0 ? "0, freed" : Long.toString(rc));
        }
        return sb.append(')').toString();
    }

    /** {@code obj} failed the liveness check with {@code rc} (see {@code Heap.liveCount}). */
    RefHeapException badObject(long obj, long rc) {
        if (rc == Heap.FREED) {
            return new UseAfterFreeException("use of freed object " + describe(obj));
        }
        if (rc == Heap.CONDEMNED) {
            return new UseAfterFreeException("use of " + describe(obj) + ", which the pause-bounded collector found"
                    + " unreachable and is freeing: its address was kept without a reference");
        }
        String owner = ownerOf(obj);
        if (owner != null) {
            return new NotAnObjectException(hex(obj) + " is not an object of heap #" + h.id + ": it belongs to " + owner);
        }
        if (obj == 0) {
            return new NotAnObjectException("NULL (0) is not an object; use heap.none() for None");
        }
        if (Long.compareUnsigned(obj - h.base, h.limit - h.base) >= 0) {
            return new NotAnObjectException(hex(obj) + " is not an object of heap #" + h.id
                    + ": it lies outside the heap's range [" + hex(h.base) + ", " + hex(h.limit) + ")");
        }
        return new NotAnObjectException(hex(obj) + " is not an object of heap #" + h.id + ": no object header there"
                + ((obj & 15) != 0 ? " (objects are 16-byte aligned)" : ""));
    }

    RefHeapException badDecref(long obj, long rc) {
        if (rc == Heap.FREED) {
            return new RefcountException("refcount of " + describe(obj) + " would drop below zero: the object was freed");
        }
        return badObject(obj, rc);
    }

    NotAnObjectException cannotStore(long value, long rc, long container) {
        String where = container == 0 ? "in a new tuple" : "in " + describe(container);
        return new NotAnObjectException("cannot store " + where + ": " + badObject(value, rc).getMessage());
    }

    NotAnObjectException cannotLookUp(long key, long rc, long dict) {
        return new NotAnObjectException("cannot look up a key in " + describe(dict) + ": " + badObject(key, rc).getMessage());
    }

    WrongTypeException wrongType(long obj, String expected) {
        return new WrongTypeException(describe(obj) + " is not a " + expected);
    }

    /** "heap #n" when {@code obj} lies in another open heap, else null. */
    private String ownerOf(long obj) {
        synchronized (Heap.OPEN) {
            for (Heap other : Heap.OPEN) {
                if (other != h && obj >= other.base && obj < other.limit) {
                    return "heap #" + other.id;
                }
            }
        }
        return null;
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
