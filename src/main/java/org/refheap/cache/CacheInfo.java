package org.refheap.cache;

/**
 * {@code functools}' {@code CacheInfo}: lookups that found their key, lookups that did not, the bound
 * ({@link LruCache#UNBOUNDED} for none) and the entries held now.
 */
public record CacheInfo(long hits, long misses, long maxsize, long currsize) {
    @Override
    public String toString() {
        return "CacheInfo(hits=" + hits + ", misses=" + misses + ", maxsize="
                + (maxsize == LruCache.UNBOUNDED ? "None" : Long.toString(maxsize)) + ", currsize=" + currsize + ")";
    }
}
