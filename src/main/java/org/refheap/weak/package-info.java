/**
 * Weak collections: CPython's {@code weakref.WeakValueDictionary}, {@code WeakKeyDictionary},
 * {@code WeakSet} and {@code weakref.finalize} for heap objects ({@link org.refheap.weak.WeakValueDictionary},
 * {@link org.refheap.weak.WeakKeyDictionary}, {@link org.refheap.weak.WeakSet},
 * {@link org.refheap.weak.Finalize}): caches and registries that cannot leak, because they hold
 * nothing the program does not hold too. An entry vanishes when its weakly held object dies, by its
 * count reaching zero or when the collector reclaims its cycle ({@code collect()}, the pause-bounded
 * {@code collectStep}, candidate cycles).
 *
 * <h2>Where they live, and why</h2>
 * In the heap, as {@link org.refheap.cache.LruCache} does: each collection is a struct object
 * ({@code WeakValueDictionary}, {@code WeakKeyDictionary}, {@code WeakSet}, {@code finalize}) holding
 * dicts of weakrefs ({@link org.refheap.WeakRefs}), whose callbacks remove the entries. So the
 * collector, objgraph and tracemalloc see them as the holders of what they hold strongly, and a
 * lookup by a value-compared key (a str, an int) is the dict's own. Entries keyed by an object's
 * identity are keyed by its address as an int, which alone would be wrong (a dead object's address
 * is reused at once): the weakref stored with it decides, an entry counting only while its weakref
 * reads as that very object. Beside each collection, in Java, a map from each entry's weakref to its
 * key tells a callback whether the weakref is still an entry's.
 *
 * <h2>The door into the heap</h2>
 * None beyond the public API ({@code Heap}, {@code Dicts}, {@code StructType}, {@code WeakRefs}), and
 * one call: {@link org.refheap.Heap#close()} calls {@link org.refheap.weak.Finalize#exitFunc} first,
 * the interpreter exit of {@code weakref.finalize}'s {@code atexit}.
 *
 * <h2>Conventions</h2>
 * Lookups return new references; stores incref what is held strongly. Callbacks run inside
 * collections, so a death during a {@code forEach} is deferred to its end (CPython's
 * {@code _IterationGuard}). Every misuse is an exception naming the bad value: an object of a type
 * that cannot be weakly referenced ({@link org.refheap.WrongTypeException}, CPython's TypeError),
 * a freed object or one of another heap (the heap's own checks), a closed collection or heap
 * ({@link java.lang.IllegalStateException}). The owner thread of the heap only.
 */
package org.refheap.weak;
