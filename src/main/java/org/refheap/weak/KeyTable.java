package org.refheap.weak;

import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.Lists;
import org.refheap.StructType;
import org.refheap.WeakCallback;
import org.refheap.WeakRefs;
import org.refheap.WrongTypeException;

import java.util.ConcurrentModificationException;
import java.util.NoSuchElementException;

/**
 * The table under {@link WeakKeyDictionary} and {@link WeakSet}: objects weakly referenced, compared
 * by identity (a weakly referenceable object is a struct, whose {@code __eq__} is identity), each
 * with a value in the dictionary's case.
 *
 * <p>Keyed by the object's address as an int, which is right only because a weakref stands beside
 * it: {@code refs[addr]} is a weakref to the object, and an entry counts only while that weakref
 * reads as the object itself. A dead object's address may be reused by a new object; the old
 * entry's weakref then reads None (it was cleared when the old object died), so the new object is
 * never taken for the old one, even if the entry's removal were delayed (by an iteration, or a
 * callback that failed). {@code data[addr]} holds the value (a dictionary only).
 */
final class KeyTable {
    private final Heap heap;
    private final Dicts dicts;
    private final WeakRefs wrs;
    private final String kind;
    /** The collection's object (owned), 0 once closed; its dicts (owned by it); data is 0 for a set. */
    long self;
    private final long refs;
    private final long data;
    /** Each entry's weakref -> the address of its object. */
    private final LongMap addrOf = new LongMap();
    private final Pending pending = new Pending();
    private final WeakCallback remove = this::onDeath;
    private long structural;

    KeyTable(Heap heap, StructType type, StructType.Field refsField, StructType.Field dataField, boolean values,
            String kind) {
        this.heap = heap;
        this.dicts = heap.dicts();
        this.wrs = heap.weakrefs();
        this.kind = kind;
        long s = type.allocate();
        long r = 0;
        long d = 0;
        try {
            r = heap.newDict();
            refsField.setRef(s, r);
            if (values) {
                d = heap.newDict();
                dataField.setRef(s, d);
            }
        } finally {
            if (r != 0) {
                heap.decref(r);
            }
            if (d != 0) {
                heap.decref(d);
            }
        }
        this.self = s;
        this.refs = r;
        this.data = d;
    }

    long size() {
        checkOpen();
        commitIfIdle();
        long n = dicts.size(refs);
        for (int i = 0; i < pending.size(); i++) {
            if (dicts.getInt(refs, pending.key(i)) == pending.ref(i)) {
                n--;
            }
        }
        return n;
    }

    /** Whether {@code obj} is an entry's live object; needs no weakly referenceable type (CPython: False). */
    boolean contains(long obj) {
        checkOpen();
        heap.getrefcount(obj); // freed, or from another heap: refused
        return entryRef(obj) != 0;
    }

    /** The value of {@code key} as a new reference, or 0. */
    long get(long key) {
        checkOpen();
        requireWeakReferenceable(key);
        if (entryRef(key) == 0) {
            return 0;
        }
        long v = dicts.getInt(data, key);
        if (v != 0) {
            heap.incref(v);
        }
        return v;
    }

    /** Adds {@code obj} (with {@code value}, incref'd, for a dictionary); returns whether it was new. */
    boolean put(long obj, long value) {
        checkOpen();
        commitIfIdle();
        requireWeakReferenceable(obj);
        if (data != 0) {
            heap.getrefcount(value);
        }
        if (entryRef(obj) != 0) {
            if (data != 0) {
                dicts.putInt(data, obj, value);
            }
            return false;
        }
        long wr = wrs.ref(obj, remove); // may collect
        try {
            long stale = dicts.getInt(refs, obj); // a dead entry at this address, removal deferred
            if (data != 0) {
                dicts.putInt(data, obj, value);
            }
            try {
                dicts.putInt(refs, obj, wr);
            } catch (RuntimeException e) {
                if (data != 0 && stale == 0) {
                    dicts.removeInt(data, obj);
                }
                throw e;
            }
            if (stale != 0) {
                addrOf.remove(stale);
            } else {
                structural++;
            }
            addrOf.put(wr, obj);
        } finally {
            heap.decref(wr);
        }
        return true;
    }

    /** Removes {@code obj}'s entry; pops its value as a new reference when {@code pop}, else 0. Returns -1 when absent. */
    long remove(long obj, boolean pop) {
        checkOpen();
        commitIfIdle();
        heap.getrefcount(obj);
        long wr = entryRef(obj);
        if (wr == 0) {
            return -1;
        }
        long v = 0;
        if (pop && data != 0) {
            v = dicts.getInt(data, obj);
            heap.incref(v);
        }
        removeEntry(obj, wr);
        return v;
    }

    /** popitem / pop: the last live entry, removed; {object, value} as new references (value 0 for a set). */
    long[] popLast() {
        checkOpen();
        commitIfIdle();
        while (true) {
            long last = -1;
            for (long s = dicts.nextSlot(refs, 0); s >= 0; s = dicts.nextSlot(refs, s + 1)) {
                last = s;
            }
            if (last < 0) {
                throw new NoSuchElementException(kind + (data != 0 ? ".popitem()" : ".pop()") + ": it is empty");
            }
            long addr = heap.intValue(dicts.keyAt(refs, last));
            long wr = dicts.valueAt(refs, last);
            long obj = live(wr);
            long v = 0;
            if (obj != 0) {
                heap.incref(obj);
                if (data != 0) {
                    v = dicts.getInt(data, addr);
                    heap.incref(v);
                }
            }
            removeEntry(addr, wr);
            if (obj != 0) {
                return new long[] {obj, v};
            }
        }
    }

    void clear() {
        checkOpen();
        commitIfIdle();
        addrOf.clear();
        structural++;
        if (data != 0) {
            dicts.clear(data);
        }
        dicts.clear(refs);
    }

    void forEach(EntryVisitor visitor) {
        checkOpen();
        if (visitor == null) {
            throw new IllegalArgumentException("visitor must not be null");
        }
        commitIfIdle();
        pending.iterating++;
        try {
            for (long s = dicts.nextSlot(refs, 0); s >= 0; s = dicts.nextSlot(refs, s + 1)) {
                long obj = live(dicts.valueAt(refs, s));
                if (obj == 0) {
                    continue;
                }
                long v = data == 0 ? 0 : dicts.getInt(data, obj);
                heap.incref(obj);
                if (v != 0) {
                    heap.incref(v);
                }
                long before = structural;
                try {
                    visitor.visit(obj, v);
                } finally {
                    if (v != 0) {
                        heap.decref(v);
                    }
                    heap.decref(obj);
                }
                if (self == 0) {
                    throw new IllegalStateException("this " + kind + " was closed during forEach");
                }
                if (structural != before) {
                    throw new ConcurrentModificationException(kind + " changed size during iteration");
                }
            }
        } finally {
            pending.iterating--;
            commitIfIdle();
        }
    }

    /** A new heap list: 0 the objects, 1 the values, 2 (object, value) tuples. */
    long collect(int what) {
        checkOpen();
        Lists lists = heap.lists();
        long list = heap.newList();
        try {
            forEach((k, v) -> {
                if (what == 2) {
                    long tup = heap.newTuple(k, v);
                    lists.append(list, tup);
                    heap.decref(tup);
                } else {
                    lists.append(list, what == 0 ? k : v);
                }
            });
        } catch (RuntimeException e) {
            heap.decref(list);
            throw e;
        }
        return list;
    }

    void close() {
        if (self == 0 || heap.isClosed()) {
            self = 0;
            return;
        }
        if (pending.iterating > 0) {
            throw new IllegalStateException("a " + kind + " cannot be closed during its own forEach");
        }
        commitIfIdle();
        addrOf.clear();
        long s = self;
        if (data != 0) {
            dicts.clear(data);
        }
        dicts.clear(refs);
        self = 0;
        heap.decref(s);
    }

    void checkOpen() {
        if (self == 0) {
            throw new IllegalStateException("this " + kind + " is closed");
        }
        if (heap.isClosed()) {
            throw new IllegalStateException("heap #" + heap.id() + " is closed");
        }
    }

    // ------------------------------------------------------------------ internal

    /** The weakref of {@code obj}'s entry if it has a live one, else 0. */
    private long entryRef(long obj) {
        long wr = dicts.getInt(refs, obj);
        return wr != 0 && live(wr) == obj ? wr : 0;
    }

    private long live(long wr) {
        long o = wrs.get(wr);
        return o == heap.none() ? 0 : o;
    }

    private void removeEntry(long addr, long wr) {
        addrOf.remove(wr);
        structural++;
        heap.incref(wr); // the decrefs below may run code (finalizers) that looks the entry up: it reads as gone
        try {
            dicts.removeInt(refs, addr);
            if (data != 0) {
                dicts.removeInt(data, addr);
            }
        } finally {
            heap.decref(wr);
        }
    }

    private void requireWeakReferenceable(long obj) {
        if (!wrs.isWeakReferenceable(obj)) {
            throw new WrongTypeException("cannot create weak reference to '" + heap.typeOf(obj).name()
                    + "' object: a " + kind + " holds only weakly referenceable objects (struct types declared"
                    + " withWeakrefs())");
        }
    }

    private void onDeath(long wr) {
        long addr = addrOf.get(wr);
        if (addr == 0 || self == 0) {
            return;
        }
        if (pending.iterating > 0) {
            heap.incref(wr);
            pending.add(addr, wr);
            return;
        }
        if (dicts.getInt(refs, addr) == wr) {
            removeEntry(addr, wr);
        } else {
            addrOf.remove(wr);
        }
    }

    private void commitIfIdle() {
        if (pending.iterating > 0 || pending.size() == 0) {
            return;
        }
        long[][] p = pending.takeAll();
        RuntimeException failure = null;
        for (int i = 0; i < p[0].length; i++) {
            long addr = p[0][i];
            long wr = p[1][i];
            try {
                if (self != 0 && dicts.getInt(refs, addr) == wr) {
                    removeEntry(addr, wr);
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            } finally {
                heap.decref(wr);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
