package org.refheap.cache;

import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongUnaryOperator;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code functools.lru_cache} for heap objects: at most {@code maxSize} entries, the least recently
 * used one dropped (and its key and value decref'd) to make room for a new one. Keys compare as dict
 * keys do. Every operation is O(1).
 *
 * <h2>Layout, as CPython's {@code _functoolsmodule.c}</h2>
 * The cache is a heap object of type {@code lru_cache} holding a dict and a root link; the dict maps
 * each key to a link of type {@code _lru_list_elem}, and the links form a circular list through the
 * root, least recent first:
 * <pre>
 *  lru_cache          _lru_list_elem (one per entry, owned by the dict)
 *   dict  (ref)  -->   prev  (long: an address, not a reference; the dict keeps every link alive)
 *   root  (ref)        next  (long)
 *                      key   (ref)
 *                      value (ref)
 *  root.next = least recently used, root.prev = most recently used
 * </pre>
 * So the collector, objgraph and tracemalloc see the cache as the holder of its entries, and a
 * dropped cache frees them all. The Java object owns one reference to the cache object; close it.
 *
 * <h2>References</h2>
 * {@link #get} and {@link #computeIfAbsent} return a <b>new reference</b> (decref it when done): a
 * borrowed one could be freed by the next eviction. {@link #put} increfs what it stores. Hits and
 * misses count lookups as {@code cache_info()} does.
 *
 * <p>{@link #unbounded} is {@code maxsize=None}: it never evicts, so it is exactly the leak a dict
 * used as a cache is; use it only when the keys are bounded by construction.
 */
public final class LruCache implements AutoCloseable {
    /** The maxsize of an unbounded cache ({@code maxsize=None}). */
    public static final long UNBOUNDED = -1;

    /**
     * The types of each open heap. Not a WeakHashMap: the struct types hold their heap, so no entry
     * would ever go; closed heaps are dropped whenever a cache is made.
     */
    private static final Map<Heap, Types> TYPES = new HashMap<>();

    /** The two struct types, defined once per heap. */
    private static final class Types {
        final StructType cache;
        final StructType.Field dict;
        final StructType.Field root;
        final StructType link;
        final StructType.Field prev;
        final StructType.Field next;
        final StructType.Field key;
        final StructType.Field value;

        Types(Heap heap) {
            cache = heap.defineStruct("lru_cache", MemoryLayout.structLayout(ADDRESS.withName("dict"),
                    ADDRESS.withName("root")));
            link = heap.defineStruct("_lru_list_elem", MemoryLayout.structLayout(JAVA_LONG.withName("prev"),
                    JAVA_LONG.withName("next"), ADDRESS.withName("key"), ADDRESS.withName("value")));
            dict = cache.field("dict");
            root = cache.field("root");
            prev = link.field("prev");
            next = link.field("next");
            key = link.field("key");
            value = link.field("value");
        }
    }

    private final Heap heap;
    private final Dicts dicts;
    private final Types t;
    private final long maxSize;
    /** The lru_cache object (owned), its dict and its root link (both owned by it). */
    private long cache;
    private final long dict;
    private final long root;
    private long hits;
    private long misses;

    private LruCache(Heap heap, long maxSize) {
        this.heap = heap;
        this.dicts = heap.dicts();
        synchronized (TYPES) {
            TYPES.keySet().removeIf(Heap::isClosed);
            this.t = TYPES.computeIfAbsent(heap, Types::new);
        }
        this.maxSize = maxSize;
        long c = t.cache.allocate();
        long d = heap.newDict();
        t.cache.field("dict").setRef(c, d);
        heap.decref(d);
        long r = t.link.allocate();
        t.prev.setLong(r, r);
        t.next.setLong(r, r);
        t.root.setRef(c, r);
        heap.decref(r);
        this.cache = c;
        this.dict = d;
        this.root = r;
    }

    /** A cache of at most {@code maxSize} entries; 0 caches nothing (every lookup misses), as in CPython. */
    public static LruCache create(Heap heap, long maxSize) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize must be >= 0, got " + maxSize
                    + " (LruCache.unbounded for no bound, which never evicts)");
        }
        return new LruCache(heap, maxSize);
    }

    /** {@code maxsize=None}: never evicts. Memory grows with every new key: a leak unless keys are few. */
    public static LruCache unbounded(Heap heap) {
        if (heap == null) {
            throw new IllegalArgumentException("heap must not be null");
        }
        return new LruCache(heap, UNBOUNDED);
    }

    /** The cache object in the heap (a borrowed reference): what objgraph and the collector see. */
    public long address() {
        checkOpen();
        return cache;
    }

    /** The value cached under {@code key} as a new reference (the entry becomes the most recent), or 0. */
    public long get(long key) {
        checkOpen();
        long link = dicts.get(dict, key);
        if (link == 0) {
            misses++;
            return 0;
        }
        hits++;
        moveToEnd(link);
        long v = t.value.getRef(link);
        heap.incref(v);
        return v;
    }

    /**
     * Caches {@code value} under {@code key} (both incref'd), as the most recent entry; a key already
     * present has its value replaced. A full cache first drops its least recent entry.
     */
    public void put(long key, long value) {
        checkOpen();
        if (maxSize == 0) {
            heap.getrefcount(key); // misuse is still refused
            heap.getrefcount(value);
            return;
        }
        long link = dicts.get(dict, key);
        if (link != 0) {
            t.value.setRef(link, value);
            moveToEnd(link);
            return;
        }
        insert(key, value);
    }

    /**
     * The memoising form of {@code @lru_cache}: the cached value for {@code key}, else
     * {@code compute.applyAsLong(key)} (which must return a new reference, or throw: nothing is cached
     * then), cached and returned. Either way the caller gets a new reference.
     */
    public long computeIfAbsent(long key, LongUnaryOperator compute) {
        checkOpen();
        if (compute == null) {
            throw new IllegalArgumentException("compute must not be null");
        }
        long link = maxSize == 0 ? 0 : dicts.get(dict, key);
        if (link != 0) {
            hits++;
            moveToEnd(link);
            long v = t.value.getRef(link);
            heap.incref(v);
            return v;
        }
        if (maxSize == 0) {
            heap.getrefcount(key);
        }
        misses++;
        long v = compute.applyAsLong(key);
        checkOpen(); // the function may have closed the cache
        if (maxSize != 0 && dicts.get(dict, key) == 0) {
            // (If the function cached this key itself, as a recursive call does, that entry stays.)
            insert(key, v);
        } else {
            heap.getrefcount(v);
        }
        return v;
    }

    private void insert(long key, long value) {
        if (maxSize != UNBOUNDED && dicts.size(dict) >= maxSize) {
            replaceOldest(key, value);
            return;
        }
        long link = t.link.allocate();
        t.key.setRef(link, key);
        t.value.setRef(link, value);
        linkAtEnd(link);
        dicts.put(dict, key, link);
        heap.decref(link); // the dict holds it now
    }

    /**
     * A full cache: the least recent entry leaves the dict (its key and value are decref'd) and its
     * link is reused for the new entry, as CPython's {@code bounded_lru_cache_wrapper} does: no link
     * allocated or freed, nothing for the collector to track or untrack.
     */
    private void replaceOldest(long key, long value) {
        long oldest = t.next.getLong(root);
        heap.incref(oldest); // ours while it is out of the dict
        try {
            unlink(oldest);
            dicts.remove(dict, t.key.getRef(oldest));
            t.key.setRef(oldest, key);
            t.value.setRef(oldest, value);
            linkAtEnd(oldest);
            dicts.put(dict, key, oldest);
        } finally {
            heap.decref(oldest); // freed here only if something above failed before the dict took it
        }
    }

    private void moveToEnd(long link) {
        unlink(link);
        linkAtEnd(link);
    }

    private void unlink(long link) {
        long p = t.prev.getLong(link);
        long n = t.next.getLong(link);
        t.next.setLong(p, n);
        t.prev.setLong(n, p);
    }

    private void linkAtEnd(long link) {
        long last = t.prev.getLong(root);
        t.prev.setLong(link, last);
        t.next.setLong(link, root);
        t.next.setLong(last, link);
        t.prev.setLong(root, link);
    }

    /** hits, misses, maxsize ({@link #UNBOUNDED} for none) and currsize. */
    public CacheInfo cacheInfo() {
        checkOpen();
        return new CacheInfo(hits, misses, maxSize, dicts.size(dict));
    }

    /** Drops every entry (decref'ing keys and values) and zeroes the statistics, as {@code cache_clear()}. */
    public void cacheClear() {
        checkOpen();
        hits = 0;
        misses = 0;
        t.prev.setLong(root, root);
        t.next.setLong(root, root);
        dicts.clear(dict);
    }

    /** The keys from least to most recently used (borrowed references): for tests and diagnostics. */
    public long[] keysInOrder() {
        checkOpen();
        long[] out = new long[(int) dicts.size(dict)];
        int i = 0;
        for (long l = t.next.getLong(root); l != root; l = t.next.getLong(l)) {
            out[i++] = t.key.getRef(l);
        }
        return out;
    }

    /** The most entries the cache holds (CPython's {@code maxsize}). @return the bound */
    public long maxSize() {
        return maxSize;
    }

    /** Drops this handle's reference to the cache object: with no other, every entry is released. */
    @Override
    public void close() {
        if (cache != 0) {
            long c = cache;
            cache = 0;
            heap.decref(c);
        }
    }

    private void checkOpen() {
        if (cache == 0) {
            throw new IllegalStateException("this LruCache is closed");
        }
    }

    @Override
    public String toString() {
        return cache == 0 ? "LruCache(closed)" : "LruCache" + cacheInfo();
    }
}
