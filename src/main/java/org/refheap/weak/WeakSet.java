package org.refheap.weak;

import org.refheap.Heap;

import java.util.ConcurrentModificationException;
import java.util.NoSuchElementException;

/**
 * {@code weakref.WeakSet} for heap objects: a set of weakly referenced objects, compared by identity;
 * an element leaves when it dies, by its count reaching zero or in a collection. For registries of
 * live objects ("every open connection") that must not keep them alive: the global-state leak,
 * cured.
 *
 * <p>In the heap: an object of type {@code WeakSet} holding a dict from each element's address (as an
 * int) to a weakref to it, whose callback removes it; an element counts only while that weakref reads
 * as the element itself, so a reused address is never mistaken for a dead element (see
 * {@link WeakKeyDictionary}). Elements must be weakly referenceable (struct types declared
 * {@code withWeakrefs()}): anything else is a {@link org.refheap.WrongTypeException}.
 * {@link #forEach} defers deaths during it to its end and refuses additions and removals from the
 * visitor ({@link ConcurrentModificationException}). Owner thread only. Close it.
 */
public final class WeakSet implements AutoCloseable {
    private final KeyTable table;

    private WeakSet(Heap heap) {
        Types t = Types.of(heap);
        this.table = new KeyTable(heap, t.wset, t.wsetRefs, t.wsetData, false, "WeakSet");
    }

    /**
     * An empty weak set in {@code heap}.
     *
     * @param heap an open heap, used from its owner thread
     * @return the new set (close it)
     */
    public static WeakSet create(Heap heap) {
        return new WeakSet(heap);
    }

    /** The set's object in the heap (borrowed): what objgraph and the collector see. Read it, never change it. @return its address */
    public long address() {
        table.checkOpen();
        return table.self;
    }

    /** {@code len(s)}: elements whose removal has not been committed. @return the element count */
    public long size() {
        return table.size();
    }

    /** {@code s.add(obj)}. @param obj a live weakly referenceable object @return true if it was not there yet */
    public boolean add(long obj) {
        return table.put(obj, 0);
    }

    /** {@code obj in s}. @param obj a live object @return true if it is an element */
    public boolean contains(long obj) {
        return table.contains(obj);
    }

    /** {@code s.discard(obj)}. @param obj a live object @return true if it was an element */
    public boolean discard(long obj) {
        return table.remove(obj, false) != -1;
    }

    /**
     * {@code s.remove(obj)}.
     *
     * @param obj a live object
     * @throws NoSuchElementException when it is not an element (CPython's KeyError)
     */
    public void remove(long obj) {
        if (table.remove(obj, false) == -1) {
            throw new NoSuchElementException("WeakSet.remove: 0x" + Long.toHexString(obj) + " is not an element");
        }
    }

    /**
     * {@code s.pop()}: removes the most recently added live element and returns it as a new reference.
     * O(size).
     *
     * @return a new reference
     * @throws NoSuchElementException when no live element is left
     */
    public long pop() {
        return table.popLast()[0];
    }

    /** {@code s.clear()}. */
    public void clear() {
        table.clear();
    }

    /**
     * Visits each live element in insertion order, held for the length of each call.
     *
     * @param visitor called once per live element
     */
    public void forEach(ElementVisitor visitor) {
        if (visitor == null) {
            throw new IllegalArgumentException("visitor must not be null");
        }
        table.forEach((k, v) -> visitor.visit(k));
    }

    /** {@code list(s)}: a new heap list of the live elements (strong references). @return a new reference */
    public long toList() {
        return table.collect(0);
    }

    /** Drops every element and this handle's reference to the set's object. Closing again does nothing. */
    @Override
    public void close() {
        table.close();
    }

    @Override
    public String toString() {
        return table.self == 0 ? "WeakSet(closed)" : "<WeakSet at 0x" + Long.toHexString(table.self) + ">";
    }
}
