/**
 * A bounded cache for heap objects: {@link org.refheap.cache.LruCache}, CPython's
 * {@code functools.lru_cache} (maxsize, least-recently-used eviction, {@code cache_info()},
 * {@code cache_clear()}), the cure for the commonest leak, a dict used as a cache.
 *
 * <h2>The door into the heap</h2>
 * None beyond the public API: the cache is built of heap objects (a struct holding a dict whose values
 * are link structs), so it allocates, increfs and decrefs through {@link org.refheap.Heap},
 * {@link org.refheap.Dicts} and {@link org.refheap.StructType} like any user code, and the collector,
 * objgraph and tracemalloc see it as the holder of its entries.
 *
 * <h2>Conventions</h2>
 * Lookups return new references; stores incref. The owner thread of the heap only.
 */
package org.refheap.cache;
