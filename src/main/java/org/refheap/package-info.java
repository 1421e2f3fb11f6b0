/**
 * refheap: a private off-heap object heap managed the way CPython manages its own.
 *
 * <h2>Conventions</h2>
 * <ul>
 * <li><b>Objects are {@code long} addresses</b> of their header (what a {@code PyObject *} points at).
 *     0 is NULL, never an object; None is {@link org.refheap.Heap#none()}.</li>
 * <li><b>Owned and borrowed references</b>, as in CPython's C API: a method that creates an object
 *     ({@code newInt}, {@code allocate}, {@code newList}, ...) or hands one over ({@code Lists.pop})
 *     returns a reference the caller owns and must {@code decref} (or give to a {@link org.refheap.Ref});
 *     a method that reads a slot ({@code Lists.get}, {@code Dicts.get}, {@code Field.getRef}) returns a
 *     borrowed one, valid while its holder keeps it. Storing increfs; overwriting or clearing decrefs.</li>
 * <li><b>Checks at the edge</b>: every public method checks its thread, that the heap is open, and
 *     its arguments once, and throws a {@link org.refheap.RefHeapException} (or a standard exception)
 *     naming the address, type and counts; the package-private {@code ...NoCheck} twins skip them.
 *     No check failure leaves the heap changed.</li>
 * <li><b>Confinement</b>: a heap and everything in it belong to the thread that created it.</li>
 * <li><b>Layouts</b> are drawn in {@code org.refheap.layout} (not exported); the allocator is {@link org.refheap.alloc};
 *     the collector is {@code Collector} (stop-the-world) and {@code IncrementalCollector}
 *     (pause-bounded), both behind {@link org.refheap.Gc}.</li>
 * </ul>
 */
package org.refheap;
