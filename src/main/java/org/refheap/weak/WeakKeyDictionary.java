package org.refheap.weak;

import org.refheap.Heap;

import java.util.ConcurrentModificationException;
import java.util.NoSuchElementException;

/**
 * {@code weakref.WeakKeyDictionary} for heap objects: keys are weakly referenced and compared by
 * identity, values held strongly; an entry vanishes when its key dies, by its count reaching zero or
 * in a collection (stop-the-world, {@code collectStep}, or candidate cycles). For data about objects
 * that the program owns elsewhere, without keeping them alive. As in CPython, a value that refers to
 * its own key keeps the key alive: such an entry never goes.
 *
 * <h2>Where it lives</h2>
 * In the heap: an object of type {@code WeakKeyDictionary} holding two dicts keyed by the key's
 * address as an int, {@code refs} (a weakref to the key, whose callback removes the entry) and
 * {@code data} (the value). An address alone would be wrong (a dead key's address is reused); the
 * weakref beside it decides: an entry counts only while its weakref reads as the key itself. So the
 * collector, objgraph and tracemalloc see the dictionary as the holder of its values.
 *
 * <h2>References and types</h2>
 * {@link #get}, {@link #pop}, {@link #setdefault} and {@link #popitem} return <b>new references</b>;
 * {@link #put} increfs the value and weakly references the key, which must be weakly referenceable
 * (a struct type declared {@code withWeakrefs()}): anything else is a
 * {@link org.refheap.WrongTypeException}, CPython's TypeError. {@link #containsKey} of an object that
 * cannot be weakly referenced is false, as in CPython.
 *
 * <h2>Iteration and deaths</h2>
 * As {@link WeakValueDictionary}: {@link #forEach} defers the removal of entries whose keys die during
 * it to its end, and refuses entries added or removed from the visitor
 * ({@link ConcurrentModificationException}); {@link #size} counts entries until their removal is
 * committed. Owner thread only. Close it: that drops every entry at once.
 */
public final class WeakKeyDictionary implements AutoCloseable {
    private final Heap heap;
    private final KeyTable table;

    private WeakKeyDictionary(Heap heap) {
        Types t = Types.of(heap);
        this.heap = heap;
        this.table = new KeyTable(heap, t.wkd, t.wkdRefs, t.wkdData, true, "WeakKeyDictionary");
    }

    /**
     * An empty weak-keyed dictionary in {@code heap}.
     *
     * @param heap an open heap, used from its owner thread
     * @return the new dictionary (close it)
     */
    public static WeakKeyDictionary create(Heap heap) {
        return new WeakKeyDictionary(heap);
    }

    /** The dictionary's object in the heap (borrowed): what objgraph and the collector see. Read it, never change it. @return its address */
    public long address() {
        table.checkOpen();
        return table.self;
    }

    /** {@code len(d)}: entries whose removal has not been committed. @return the entry count */
    public long size() {
        return table.size();
    }

    /**
     * {@code d[key] = value}.
     *
     * @param key   a live weakly referenceable object (weakly referenced)
     * @param value a live object (incref'd)
     */
    public void put(long key, long value) {
        table.put(key, value);
    }

    /**
     * {@code d.get(key)}: the value as a new reference, or 0 when the key has no entry.
     *
     * @param key a live weakly referenceable object
     * @return a new reference, or 0
     */
    public long get(long key) {
        return table.get(key);
    }

    /** {@code key in d}. @param key a live object @return true if it has an entry */
    public boolean containsKey(long key) {
        return table.contains(key);
    }

    /** {@code del d[key]}. @param key a live object @return true if it had an entry (CPython raises KeyError otherwise) */
    public boolean remove(long key) {
        return table.remove(key, false) != -1;
    }

    /**
     * {@code d.pop(key, None)}: removes the entry and returns its value as a new reference, or 0 when
     * the key had no entry.
     *
     * @param key a live object
     * @return a new reference, or 0
     */
    public long pop(long key) {
        long v = table.remove(key, true);
        return v == -1 ? 0 : v;
    }

    /**
     * {@code d.popitem()}: removes the most recently inserted live entry and returns {@code {key, value}},
     * both new references. O(size).
     *
     * @return the key and value
     * @throws NoSuchElementException when no live entry is left (CPython's KeyError)
     */
    public long[] popitem() {
        return table.popLast();
    }

    /**
     * {@code d.setdefault(key, default)}: the value of {@code key}, else {@code dflt} stored under it;
     * either way a new reference.
     *
     * @param key  a live weakly referenceable object
     * @param dflt a live object
     * @return a new reference to the value now under {@code key}
     */
    public long setdefault(long key, long dflt) {
        long v = table.get(key);
        if (v != 0) {
            return v;
        }
        table.put(key, dflt);
        heap.incref(dflt);
        return dflt;
    }

    /** {@code d.clear()}: drops every entry (values decref'd). */
    public void clear() {
        table.clear();
    }

    /**
     * Visits each live entry in insertion order, key and value held for the length of each call.
     *
     * @param visitor called once per live entry
     */
    public void forEach(EntryVisitor visitor) {
        table.forEach(visitor);
    }

    /** {@code list(d.keys())}: a new heap list of the live keys (strong references). @return a new reference */
    public long keys() {
        return table.collect(0);
    }

    /** {@code list(d.values())}: a new heap list of the values of live keys. @return a new reference */
    public long values() {
        return table.collect(1);
    }

    /** {@code list(d.items())}: a new heap list of (key, value) tuples. @return a new reference */
    public long items() {
        return table.collect(2);
    }

    /** Drops every entry and this handle's reference to the dictionary's object. Closing again does nothing. */
    @Override
    public void close() {
        table.close();
    }

    @Override
    public String toString() {
        return table.self == 0 ? "WeakKeyDictionary(closed)"
                : "<WeakKeyDictionary at 0x" + Long.toHexString(table.self) + ">";
    }
}
