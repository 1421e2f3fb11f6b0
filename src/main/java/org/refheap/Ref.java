package org.refheap;

/**
 * An owning handle on one reference: {@link #close()} decrefs it exactly once. Use it with
 * try-with-resources to release at the end of a block whatever happens inside, the deterministic
 * {@code with}/{@code __exit__} way, as opposed to a finalizer, which runs only when the count
 * reaches zero (or the collector gets to it).
 *
 * <pre>{@code
 * try (Ref order = heap.own(orderType.allocate())) {
 *     price.setLong(order.get(), 100);
 *     book.append(order.get());        // the list takes its own reference
 * }                                     // ours is dropped here; the list's keeps it alive
 * }</pre>
 */
public final class Ref implements AutoCloseable {
    private final Heap heap;
    private long address;

    Ref(Heap heap, long address) {
        this.heap = heap;
        this.address = address;
    }

    /** The object's address. */
    public long get() {
        if (address == 0) {
            throw new IllegalStateException("this Ref was closed or released");
        }
        return address;
    }

    /** Whether the handle still owns its reference. */
    public boolean isOpen() {
        return address != 0;
    }

    /** Hands the reference back to the caller (no decref) and closes the handle. */
    public long release() {
        long a = get();
        address = 0;
        return a;
    }

    /** Drops the reference (decref). Closing again does nothing. */
    @Override
    public void close() {
        long a = address;
        if (a != 0) {
            heap.checkOwner(); // from another thread: refused, and the reference stays owned
            address = 0;
            heap.decref(a);
        }
    }

    @Override
    public String toString() {
        if (address == 0) {
            return "Ref(closed)";
        }
        heap.checkOwner(); // describe reads the header, which only the owner may (the segment is shared)
        return "Ref(" + heap.describe(address) + ")";
    }
}
