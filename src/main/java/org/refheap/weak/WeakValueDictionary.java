package org.refheap.weak;

import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.Lists;
import org.refheap.WeakCallback;
import org.refheap.WeakRefs;

import java.util.ConcurrentModificationException;
import java.util.NoSuchElementException;

/**
 * {@code weakref.WeakValueDictionary} for heap objects: keys are held strongly and compared as dict
 * keys are; values are weakly referenced, and an entry vanishes when its value dies, by its count
 * reaching zero or in a collection (stop-the-world, {@code collectStep}, or candidate cycles). A
 * cache that cannot leak: it holds nothing the program does not hold too.
 *
 * <h2>Where it lives</h2>
 * In the heap, as CPython's does: an object of type {@code WeakValueDictionary} holding a dict that
 * maps each key to a weakref to its value, whose callback removes the entry. So objgraph,
 * tracemalloc and the collector see it as the holder of its keys. Beside it, in Java, one map from
 * each entry's weakref to its key: a callback asks it whether the weakref is still an entry's (the
 * program may have replaced the value since), which a weakref, alive during its callback, answers
 * exactly; no raw address of a dead object is ever a key.
 *
 * <h2>References</h2>
 * {@link #get}, {@link #pop}, {@link #setdefault} and {@link #popitem} return <b>new references</b>
 * (a borrowed value could die at the next decref); {@link #put} increfs the key and not the value.
 * Values must be weakly referenceable (struct types declared {@code withWeakrefs()}): anything else
 * is a {@link org.refheap.WrongTypeException}, CPython's TypeError.
 *
 * <h2>Iteration and deaths</h2>
 * {@link #forEach} visits the live entries; deaths during it (the visitor's own decrefs, or a
 * collection its allocations trigger) are recorded and committed when the outermost iteration ends,
 * as CPython's {@code _IterationGuard} does, so the dict never changes size under it. Adding or
 * removing entries from the visitor is a {@link ConcurrentModificationException} (CPython's "dictionary
 * changed size during iteration"). {@link #keys}, {@link #values} and {@link #items} return new
 * heap lists (strong references: the values in them stay alive while the list does).
 *
 * <p>{@link #size} counts the entries whose death has not been committed: an entry whose value the
 * pause-bounded collector has condemned counts until the step that sweeps it runs the callback (as
 * CPython's {@code len} counts entries until their callbacks run), though every lookup already misses.
 * Owner thread only. Close it: that drops every entry at once.
 */
public final class WeakValueDictionary implements AutoCloseable {
    private final Heap heap;
    private final Dicts dicts;
    private final WeakRefs wrs;
    private final Types t;
    /** The WeakValueDictionary object (ours, owned), 0 once closed; and its dict (owned by it). */
    private long self;
    private final long data;
    /** Each entry's weakref -> the key stored in the dict (the first one put, as dicts keep). */
    private final LongMap keyOf = new LongMap();
    private final Pending pending = new Pending();
    private final WeakCallback remove = this::onDeath;
    /** Entries added or removed by the program (not by deaths); forEach refuses a change under it. */
    private long structural;

    private WeakValueDictionary(Heap heap) {
        this.t = Types.of(heap);
        this.heap = heap;
        this.dicts = heap.dicts();
        this.wrs = heap.weakrefs();
        long s = t.wvd.allocate();
        long d;
        try {
            d = heap.newDict();
        } catch (RuntimeException e) {
            heap.decref(s);
            throw e;
        }
        t.wvdData.setRef(s, d);
        heap.decref(d);
        this.self = s;
        this.data = d;
    }

    /**
     * An empty weak-valued dictionary in {@code heap}.
     *
     * @param heap an open heap, used from its owner thread
     * @return the new dictionary (close it)
     */
    public static WeakValueDictionary create(Heap heap) {
        return new WeakValueDictionary(heap);
    }

    /** The dictionary's object in the heap (borrowed): what objgraph and the collector see. Read it, never change it. @return its address */
    public long address() {
        checkOpen();
        return self;
    }

    /**
     * {@code len(d)}: entries whose death has not been committed (see the class comment).
     *
     * @return the entry count
     */
    public long size() {
        checkOpen();
        commitIfIdle();
        long n = dicts.size(data);
        for (int i = 0; i < pending.size(); i++) {
            if (dicts.get(data, pending.key(i)) == pending.ref(i)) {
                n--; // dead, removal deferred by an iteration
            }
        }
        return n;
    }

    /**
     * {@code d[key] = value}: the key is incref'd, the value weakly referenced. A key already present
     * keeps its stored key object and gets the new value.
     *
     * @param key   a live hashable object
     * @param value a live weakly referenceable object
     */
    public void put(long key, long value) {
        checkOpen();
        commitIfIdle();
        heap.getrefcount(key); // a freed key or one from another heap is refused before anything is made
        long wr = wrs.ref(value, remove); // may collect: what it frees is committed before the dict is read
        try {
            long old = dicts.get(data, key);
            long stored = old == 0 ? key : keyOf.get(old);
            dicts.put(data, key, wr);
            if (old != 0) {
                keyOf.remove(old);
            } else {
                structural++;
            }
            keyOf.put(wr, stored == 0 ? key : stored);
        } finally {
            heap.decref(wr); // the dict's now (or freed, if the put was refused)
        }
    }

    /**
     * {@code d.get(key)}: the value as a new reference, or 0 when the key is absent or its value died.
     *
     * @param key a live hashable object
     * @return a new reference, or 0
     */
    public long get(long key) {
        checkOpen();
        long v = liveValue(dicts.get(data, key));
        if (v != 0) {
            heap.incref(v);
        }
        return v;
    }

    /**
     * {@code key in d}: present with a live value.
     *
     * @param key a live hashable object
     * @return true if present and alive
     */
    public boolean containsKey(long key) {
        checkOpen();
        return liveValue(dicts.get(data, key)) != 0;
    }

    /**
     * {@code del d[key]}: removes the entry (a dead one too).
     *
     * @param key a live hashable object
     * @return true if the key was present with a live value (CPython raises KeyError when it was absent)
     */
    public boolean remove(long key) {
        checkOpen();
        commitIfIdle();
        long wr = dicts.get(data, key);
        if (wr == 0) {
            return false;
        }
        boolean alive = liveValue(wr) != 0;
        keyOf.remove(wr);
        structural++;
        dicts.remove(data, key);
        return alive;
    }

    /**
     * {@code d.pop(key, None)}: removes the entry and returns its value as a new reference, or 0 when
     * the key was absent or its value dead.
     *
     * @param key a live hashable object
     * @return a new reference, or 0
     */
    public long pop(long key) {
        checkOpen();
        commitIfIdle();
        long wr = dicts.get(data, key);
        if (wr == 0) {
            return 0;
        }
        long v = liveValue(wr);
        if (v != 0) {
            heap.incref(v);
        }
        keyOf.remove(wr);
        structural++;
        dicts.remove(data, key);
        return v;
    }

    /**
     * {@code d.popitem()}: removes the most recently inserted live entry (dead ones met on the way go
     * too) and returns {@code {key, value}}, both new references. O(size).
     *
     * @return the key and value
     * @throws NoSuchElementException when no live entry is left (CPython's KeyError)
     */
    public long[] popitem() {
        checkOpen();
        commitIfIdle();
        while (true) {
            long last = -1;
            for (long s = dicts.nextSlot(data, 0); s >= 0; s = dicts.nextSlot(data, s + 1)) {
                last = s;
            }
            if (last < 0) {
                throw new NoSuchElementException("popitem(): WeakValueDictionary is empty");
            }
            long key = dicts.keyAt(data, last);
            long wr = dicts.valueAt(data, last);
            long v = liveValue(wr);
            heap.incref(key);
            if (v != 0) {
                heap.incref(v);
            }
            keyOf.remove(wr);
            structural++;
            dicts.remove(data, key);
            if (v != 0) {
                return new long[] {key, v};
            }
            heap.decref(key);
        }
    }

    /**
     * {@code d.setdefault(key, default)}: the live value of {@code key}, else {@code dflt} stored
     * under it; either way a new reference.
     *
     * @param key  a live hashable object
     * @param dflt a live weakly referenceable object
     * @return a new reference to the value now under {@code key}
     */
    public long setdefault(long key, long dflt) {
        long v = get(key);
        if (v != 0) {
            return v;
        }
        put(key, dflt);
        heap.incref(dflt);
        return dflt;
    }

    /** {@code d.clear()}: drops every entry (keys decref'd). */
    public void clear() {
        checkOpen();
        commitIfIdle();
        keyOf.clear();
        structural++;
        dicts.clear(data);
    }

    /**
     * Visits each live entry in insertion order, key and value held for the length of each call.
     * Deaths during the iteration are committed when it ends; adding or removing entries from the
     * visitor throws {@link ConcurrentModificationException} after that visit.
     *
     * @param visitor called once per live entry
     */
    public void forEach(EntryVisitor visitor) {
        checkOpen();
        if (visitor == null) {
            throw new IllegalArgumentException("visitor must not be null");
        }
        commitIfIdle();
        pending.iterating++;
        try {
            for (long s = dicts.nextSlot(data, 0); s >= 0; s = dicts.nextSlot(data, s + 1)) {
                long key = dicts.keyAt(data, s);
                long v = liveValue(dicts.valueAt(data, s));
                if (v == 0) {
                    continue;
                }
                heap.incref(key);
                heap.incref(v);
                long before = structural;
                try {
                    visitor.visit(key, v);
                } finally {
                    heap.decref(v);
                    heap.decref(key);
                }
                if (self == 0) {
                    throw new IllegalStateException("this WeakValueDictionary was closed during forEach");
                }
                if (structural != before) {
                    throw new ConcurrentModificationException("WeakValueDictionary changed size during iteration");
                }
            }
        } finally {
            pending.iterating--;
            commitIfIdle();
        }
    }

    /** {@code list(d.keys())}: a new heap list of the keys of live entries. @return a new reference */
    public long keys() {
        return collect(0);
    }

    /** {@code list(d.values())}: a new heap list of the live values. @return a new reference */
    public long values() {
        return collect(1);
    }

    /** {@code list(d.items())}: a new heap list of (key, value) tuples. @return a new reference */
    public long items() {
        return collect(2);
    }

    private long collect(int what) {
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

    /** Drops every entry and this handle's reference to the dictionary's object. Closing again does nothing. */
    @Override
    public void close() {
        if (self == 0 || heap.isClosed()) {
            self = 0;
            return;
        }
        if (pending.iterating > 0) {
            throw new IllegalStateException("a WeakValueDictionary cannot be closed during its own forEach");
        }
        commitIfIdle();
        keyOf.clear();
        long s = self;
        dicts.clear(data); // even if the program kept a reference to the object, it holds nothing now
        self = 0;
        heap.decref(s);
    }

    @Override
    public String toString() {
        return self == 0 ? "WeakValueDictionary(closed)" : "<WeakValueDictionary at 0x" + Long.toHexString(self) + ">";
    }

    // ------------------------------------------------------------------ internal

    /** The referent of an entry's weakref if alive (borrowed), else 0; 0 for no weakref. */
    private long liveValue(long wr) {
        if (wr == 0) {
            return 0;
        }
        long v = wrs.get(wr);
        return v == heap.none() ? 0 : v;
    }

    /** The callback of every entry's weakref: its value died. */
    private void onDeath(long wr) {
        long key = keyOf.get(wr);
        if (key == 0 || self == 0) {
            return; // no longer an entry's (replaced or removed while something else held it)
        }
        if (pending.iterating > 0) {
            heap.incref(key);
            heap.incref(wr);
            pending.add(key, wr);
            return;
        }
        keyOf.remove(wr);
        dicts.remove(data, key);
    }

    private void commitIfIdle() {
        if (pending.iterating > 0 || pending.size() == 0) {
            return;
        }
        long[][] p = pending.takeAll();
        RuntimeException failure = null;
        for (int i = 0; i < p[0].length; i++) {
            long key = p[0][i];
            long wr = p[1][i];
            try {
                if (self != 0 && dicts.get(data, key) == wr) {
                    keyOf.remove(wr);
                    dicts.remove(data, key);
                }
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            } finally {
                heap.decref(wr);
                heap.decref(key);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void checkOpen() {
        if (self == 0) {
            throw new IllegalStateException("this WeakValueDictionary is closed");
        }
        if (heap.isClosed()) {
            throw new IllegalStateException("heap #" + heap.id() + " is closed");
        }
    }
}
