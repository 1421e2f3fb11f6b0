package org.refheap;

/**
 * Told of every block a heap allocates and frees ({@link Heap#setAllocationListener}), on the heap's
 * own thread, inside the allocation: it must be quick, must not throw and must not call the heap.
 * This is tracemalloc's door into the heap ({@code org.refheap.trace}); CPython's equivalent is the
 * PEP 445 allocator hooks that tracemalloc installs. With no listener installed an allocation pays
 * one compare of a field.
 *
 * <p>Addresses are what the heap hands out: an object's address (its header, after any GC head) for
 * {@link #DOMAIN_OBJECT}, the block's own address for {@link #DOMAIN_RAW} (list items, dict tables).
 * Every address reported allocated is later reported freed exactly once, unless the heap is closed
 * first or the object is made immortal.
 */
public interface AllocationListener {
    /** An object: header, payload and GC head if it has one. */
    int DOMAIN_OBJECT = 0;
    /** A raw block owned by an object: list item arrays, dict hash tables. */
    int DOMAIN_RAW = 1;

    /** {@code size} bytes were just allocated at {@code address} in {@code domain}. */
    void allocated(long address, long size, int domain);

    /** The block at {@code address} (an address given to {@link #allocated}) is about to be freed. */
    void freed(long address);
}
