package org.refheap.alloc;

import org.refheap.HeapExhaustedException;
import org.refheap.memory.Reservation;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.function.LongConsumer;


/**
 * The block allocator of one heap: CPython's obmalloc, written again over one reserved range.
 *
 * <h2>Notation and drawing</h2>
 * <pre>
 *  reservation (aligned to 1 MiB)
 *  +-----------+-----------+-----------+-----------+----
 *  | arena 0   | arena 1   | arena 2   | arena 3   | ...      an arena is 1 MiB
 *  +-----------+-----------+-----------+-----------+----
 *   POOLS       PAGES       HUGE       HUGE_TAIL             its kind, in {@code kind[]}
 *
 *  a POOLS arena: 64 pools of 16 KiB, each holding blocks of one size class
 *  +------+------+------+-----+------+
 *  |pool 0|pool 1|pool 2| ... |pool63|     pools are carved lazily: poolBump counts the ones used
 *  +------+------+------+-----+------+
 *  a pool: | header (48 B, see PoolHeader) | block | block | ... |  blocks carved lazily
 *
 *  a PAGES arena: 256 pages of 4 KiB, handed out as runs of whole pages (requests over 512 bytes)
 *  a HUGE run: k contiguous arenas for one request over 1 MiB
 * </pre>
 *
 * <h2>Algorithm</h2>
 * <ol>
 * <li>A small request (1..512 bytes) is rounded to its class ({@link SizeClasses}) and served from
 *     the class's block cache ({@link #CACHE_SIZE}) when it holds a block, else from
 *     the first pool of {@code usedpools[class]}: pop its free list; when the list runs dry, carve
 *     the next never-used block; when there is none, the pool is full and leaves the list.</li>
 * <li>With no used pool for the class, take a pool from the first <em>usable</em> arena: the list of
 *     arenas with a free pool, kept sorted by ascending free pools so that allocations fill the
 *     fullest arenas and nearly empty ones get a chance to drain ({@code nfp2lasta} keeps the order
 *     in O(1), as in CPython 3.8+, bpo-37029). With no usable arena, take a new arena.</li>
 * <li>A free of a block of the class's first pool goes to the cache; any other pushes the block on
 *     its pool's LIFO list. A pool that was full goes back to the front
 *     of its class's list; a pool that becomes empty returns to its arena; an arena whose every pool
 *     is empty is released (see {@link ReleasePolicy}).</li>
 * <li>A large request takes the first run of enough free pages in a PAGES arena (first fit over a
 *     256-bit map per arena), or k whole arenas when it is larger than one arena.</li>
 * <li>In debug mode ({@link #setQuarantine}) a free parks the block in a FIFO instead; the block
 *     takes the steps above only when it leaves, after its poison bytes are checked.</li>
 * </ol>
 *
 * Arena metadata lives in Java arrays (as CPython keeps {@code arena_object}s outside the arenas);
 * pool headers live in the pools. The arrays cover the arenas claimed so far, not the reservation:
 * they grow by doubling up to the highest arena index ever claimed (+1) in {@link #claim}, the one
 * place an arena index first appears, so the small-object paths never check their length, and a
 * 64 TiB reservation (64 Mi arenas, about 50 bytes of arrays each) costs nothing until it is used.
 * Addresses are real addresses; every access goes through the reservation's segment and is bounds
 * checked. Not thread safe: the owning heap is confined.
 *
 * <p>The state fields are package-private for {@link ObmallocWalk}, which reads them to check them
 * ({@link #verify}) and never writes them.
 */
public final class Obmalloc {
    /**
     * Every field refheap reads is naturally aligned by construction (objects and blocks are 16-byte
     * aligned, fields at multiples of their size), so the accesses skip the segment's alignment check;
     * bounds and liveness stay checked.
     */
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /** log2 of {@link #ARENA_SIZE}. */
    public static final int ARENA_SHIFT = 20;
    /** An arena: 1 MiB of address space, the unit taken from and given back to the kernel. */
    public static final int ARENA_SIZE = 1 << ARENA_SHIFT;
    /** log2 of {@link #POOL_SIZE}. */
    public static final int POOL_SHIFT = 14;
    /** A pool: 16 KiB of one arena, carved into blocks of one size class. */
    public static final int POOL_SIZE = 1 << POOL_SHIFT;
    /** Pools in an arena: 64. */
    public static final int POOLS_PER_ARENA = ARENA_SIZE / POOL_SIZE;
    /** log2 of {@link #PAGE_SIZE}. */
    public static final int PAGE_SHIFT = 12;
    /** A page: 4 KiB, the unit of the runs that hold blocks over 512 bytes. */
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Pages in an arena: 256. */
    public static final int PAGES_PER_ARENA = ARENA_SIZE / PAGE_SIZE;

    /** The offset from which {@link #setQuarantine(long)} checks freed blocks for {@link #DEAD_BYTE}. */
    public static final int POISON_CHECK_FROM = Quarantine.DEFAULT_CHECK_FROM;
    /** What a freed block must be filled with while the quarantine is on (CPython's PYTHONMALLOC=debug byte). */
    public static final byte DEAD_BYTE = Quarantine.DEAD_BYTE;

    static final byte FREE = 0;
    static final byte POOLS = 1;
    static final byte PAGES = 2;
    static final byte HUGE = 3;
    static final byte HUGE_TAIL = 4;

    static final long POOL_MASK = ~((long) POOL_SIZE - 1);
    static final int NONE = -1;
    /** Arenas the per-arena arrays cover at first (more if pre-touched); they double from there. */
    private static final int INITIAL_ARENAS = 16;

    final Reservation reservation;
    final MemorySegment seg;
    final long base;
    final int maxArenas;
    final long limitBytes;
    final ReleasePolicy policy;
    final int pinnedArenas;

    /**
     * Freed small blocks kept per size class above the pools, up to this many per class: CPython keeps
     * per-type free lists above obmalloc (floats, tuples, lists, dicts; about 80 each) for the same
     * reason. An allocation served from here touches no native memory, a free two words of the pool
     * header (size class and count). A cached block still counts in its pool's {@code count}, so a
     * cache must never be all that keeps a pool, and through it an arena, in use. Two rules see to it:
     * <ol>
     * <li>Every cached block of class c lies in the head pool {@code usedpools[c]}. A free from any
     *     other pool goes straight to that pool; whenever the head changes while blocks are cached
     *     (a full pool put at the front in {@link #freeSmall}) the cache is flushed first. The other
     *     head changes happen with the cache empty: a pool fills only in {@link #mallocFromPool},
     *     reached when the cache is empty; a pool empties only when no block of it is cached; a new
     *     head is made only when there is none. So {@code cacheCount[c]} is the number of cached
     *     blocks of the head pool, and {@code count - cacheCount[c]} its blocks really in use.</li>
     * <li>When the last block in use of a head pool goes to the cache, or a pool returns to its arena,
     *     {@link #releaseIfOnlyCached} checks whether every pool left in use in that arena is a head
     *     holding only cached blocks, and if so flushes those caches so the arena is released.</li>
     * </ol>
     * {@link #trimCaches} still empties every cache (the heap does it at every full collection, as
     * CPython clears its free lists then), but no memory waits for it.
     */
    public static final int CACHE_SIZE = 64;

    // --- hot: the small-object path ---
    final long[] cache = new long[SizeClasses.NB_SMALL_SIZE_CLASSES * CACHE_SIZE];
    final int[] cacheCount = new int[SizeClasses.NB_SMALL_SIZE_CLASSES];
    /**
     * Bit c is set when the head pool of class c may hold nothing but cached blocks: set when that
     * happens (only {@link #releaseSmall} makes it happen), cleared lazily, so it is a superset and its
     * bit count bounds how many pools caches alone hold. 32 classes, 32 bits.
     */
    int cacheOnlyHeads;
    /** CACHE_SIZE, or 0 while the quarantine is on (see free). */
    private int cacheLimit = CACHE_SIZE;
    final long[] usedpools = new long[SizeClasses.NB_SMALL_SIZE_CLASSES];
    /**
     * Blocks of each class <em>held</em>: in use by the program or sitting in the class's cache. A
     * block moving between the cache and the program changes neither figure, so the fast paths keep
     * no statistics; the figures in use are these minus what the caches hold, taken when asked
     * ({@link #blocksInUse(int)}, {@link #bytesInUse()}).
     */
    final long[] heldBlocks = new long[SizeClasses.NB_SMALL_SIZE_CLASSES];
    /** Bytes held: small blocks in use or cached, and large runs in use. */
    long heldBytes;
    /**
     * The highest {@link #heldBytes}: the peak of bytes in use, overstated at most by what the caches
     * held at that moment ({@link #CACHE_SIZE} blocks per class).
     */
    long peakBytesInUse;

    // --- debug: freed blocks held back from reuse, see setQuarantine ---
    final Quarantine quarantine = new Quarantine();

    // --- arenas: every array below is indexed by arena and covers [0, kind.length), see growArenas ---
    byte[] kind;
    int[] nfreepools;
    int[] poolBump;
    long[] freepools;
    int[] nextUsable;
    int[] prevUsable;
    final int[] nfp2lasta = new int[POOLS_PER_ARENA + 1];
    int usableHead = NONE;
    final BitSet used = new BitSet();
    /** Free arenas whose pages are still committed (spares, pinned, or all of them under LATENCY). */
    final BitSet committedFree = new BitSet();
    int spares;
    int[] committedHigh;
    long committedBytes;
    int arenasInUse;
    long arenasReleased;
    long arenasAllocated;

    // --- large runs ---
    long[][] pageBits;
    short[][] runPages;
    int[] freePages;
    int[] pageArenas = new int[16];
    int pageArenaCount;
    int[] hugeArenas;
    long largeBytesInUse;
    long largeRunsInUse;

    /**
     * An allocator over all of {@code reservation}, in 1 MiB arenas taken into use as needed.
     *
     * @param reservation the address range to carve; its base must be arena aligned
     * @param policy what to do with arenas that become empty
     * @param pretouchBytes bytes at the start to commit now and never release
     */
    public Obmalloc(Reservation reservation, ReleasePolicy policy, long pretouchBytes) {
        if ((reservation.base() & (ARENA_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("reservation base 0x" + Long.toHexString(reservation.base())
                    + " is not aligned to the 1 MiB arena size");
        }
        if ((reservation.size() >>> ARENA_SHIFT) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("reservation of " + reservation.size() + " bytes has more than "
                    + Integer.MAX_VALUE + " arenas of 1 MiB");
        }
        this.reservation = reservation;
        this.seg = reservation.segment();
        this.base = reservation.base();
        this.maxArenas = (int) (reservation.size() >>> ARENA_SHIFT);
        this.limitBytes = (long) maxArenas << ARENA_SHIFT;
        this.policy = policy;
        int pin = (int) Math.min(maxArenas, (pretouchBytes + ARENA_SIZE - 1) >>> ARENA_SHIFT);
        this.pinnedArenas = pin;
        int capacity = Math.min(maxArenas, Math.max(pin, INITIAL_ARENAS));
        this.kind = new byte[capacity];
        this.nfreepools = new int[capacity];
        this.poolBump = new int[capacity];
        this.freepools = new long[capacity];
        this.nextUsable = new int[capacity];
        this.prevUsable = new int[capacity];
        this.committedHigh = new int[capacity];
        this.pageBits = new long[capacity][];
        this.runPages = new short[capacity][];
        this.freePages = new int[capacity];
        this.hugeArenas = new int[capacity];
        java.util.Arrays.fill(nfp2lasta, NONE);
        for (int a = 0; a < pin; a++) {
            reservation.touch(arenaAddress(a), ARENA_SIZE);
            committedHigh[a] = ARENA_SIZE;
            committedBytes += ARENA_SIZE;
            committedFree.set(a);
        }
    }

    // ------------------------------------------------------------------ allocation

    /**
     * Allocates {@code nbytes} (at least 1) and returns the block's address, 16-byte aligned.
     * The block's contents are undefined (zero if never used).
     *
     * @throws HeapExhaustedException when the heap's maximum is reached; nothing changes then, but for
     *         the quarantine, which is emptied first (see {@link #setQuarantine})
     */
    public long malloc(long nbytes) {
        if (nbytes <= SizeClasses.SMALL_REQUEST_THRESHOLD) {
            return mallocSmall(SizeClasses.index((int) nbytes));
        }
        return mallocLarge(nbytes);
    }

    /** Allocates one block of size class {@code szidx}. The fast path of {@link #malloc}. */
    public long mallocSmall(int szidx) {
        int n = cacheCount[szidx] - 1;
        if (n >= 0) {
            cacheCount[szidx] = n;
            return cache[szidx * CACHE_SIZE + n];
        }
        return mallocFromPool(szidx);
    }

    private long mallocFromPool(int szidx) {
        long pool = usedpools[szidx];
        if (pool == 0) {
            return newPoolAndBlock(szidx);
        }
        long block = getLong(pool + PoolHeader.FREEBLOCK);
        long next = ~getLong(block);
        if (next == 0) {
            next = extendPool(pool, szidx);
        }
        putLong(pool + PoolHeader.FREEBLOCK, next);
        putInt(pool + PoolHeader.COUNT, getInt(pool + PoolHeader.COUNT) + 1);
        heldBlocks[szidx]++;
        addBytes(SizeClasses.size(szidx));
        return block;
    }

    /**
     * The pool's free list ran dry: carve the next never-used block, or, when there is none, take the
     * now full pool off its class's list. Returns the new head of the free list (0 when full).
     */
    private long extendPool(long pool, int szidx) {
        int nextoffset = getInt(pool + PoolHeader.NEXTOFFSET);
        if (nextoffset <= getInt(pool + PoolHeader.MAXNEXTOFFSET)) {
            long fresh = pool + nextoffset;
            putLong(fresh, ~0L);
            putInt(pool + PoolHeader.NEXTOFFSET, nextoffset + SizeClasses.size(szidx));
            return fresh;
        }
        // Full: it was first in usedpools[szidx], so the list now starts at its successor.
        long nextpool = getLong(pool + PoolHeader.NEXTPOOL);
        usedpools[szidx] = nextpool;
        if (nextpool != 0) {
            putLong(nextpool + PoolHeader.PREVPOOL, 0);
        }
        return 0;
    }

    private long newPoolAndBlock(int szidx) {
        if (usableHead == NONE) {
            if (!freeArenaLeft() && reclaimQuarantine()) {
                return mallocSmall(szidx); // the quarantine's blocks may serve it now; it is empty, no loop
            }
            int a = takeArena(POOLS, SizeClasses.size(szidx));
            nfreepools[a] = POOLS_PER_ARENA;
            poolBump[a] = 0;
            freepools[a] = 0;
            nextUsable[a] = NONE;
            prevUsable[a] = NONE;
            usableHead = a;
            nfp2lasta[POOLS_PER_ARENA] = a;
        }
        int a = usableHead;
        long pool = freepools[a];
        if (pool != 0) {
            freepools[a] = getLong(pool + PoolHeader.NEXTPOOL);
        } else {
            int p = poolBump[a]++;
            pool = arenaAddress(a) + ((long) p << POOL_SHIFT);
            noteCommitted(a, (p + 1) << POOL_SHIFT);
        }
        // a was the first usable arena and so the fullest; it stays first with one pool fewer.
        int nf = nfreepools[a];
        if (nfp2lasta[nf] == a) {
            nfp2lasta[nf] = NONE;
        }
        if (nf > 1) {
            nfp2lasta[nf - 1] = a;
        }
        nfreepools[a] = nf - 1;
        if (nf == 1) {
            usableHead = nextUsable[a];
            if (usableHead != NONE) {
                prevUsable[usableHead] = NONE;
            }
            nextUsable[a] = NONE;
        }
        int size = SizeClasses.size(szidx);
        long block = pool + PoolHeader.SIZE;
        long second = block + size;
        putInt(pool + PoolHeader.COUNT, 1);
        putInt(pool + PoolHeader.SZIDX, szidx);
        putLong(pool + PoolHeader.FREEBLOCK, second);
        putLong(second, ~0L);
        putLong(pool + PoolHeader.NEXTPOOL, 0);
        putLong(pool + PoolHeader.PREVPOOL, 0);
        putInt(pool + PoolHeader.ARENAINDEX, a);
        putInt(pool + PoolHeader.NEXTOFFSET, PoolHeader.SIZE + 2 * size);
        putInt(pool + PoolHeader.MAXNEXTOFFSET, POOL_SIZE - size);
        usedpools[szidx] = pool;
        heldBlocks[szidx]++;
        addBytes(size);
        return block;
    }

    private long mallocLarge(long nbytes) {
        if (nbytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive: " + nbytes);
        }
        long pagesL = (nbytes + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        if (pagesL > PAGES_PER_ARENA) {
            return mallocHuge(nbytes);
        }
        int pages = (int) pagesL;
        for (int i = 0; i < pageArenaCount; i++) {
            int a = pageArenas[i];
            if (freePages[a] >= pages) {
                int at = findRun(pageBits[a], pages);
                if (at >= 0) {
                    return takeRun(a, at, pages);
                }
            }
        }
        if (!freeArenaLeft() && reclaimQuarantine()) {
            return mallocLarge(nbytes);
        }
        int a = takeArena(PAGES, nbytes);
        if (pageBits[a] == null) {
            pageBits[a] = new long[PAGES_PER_ARENA / 64];
            runPages[a] = new short[PAGES_PER_ARENA];
        }
        freePages[a] = PAGES_PER_ARENA;
        if (pageArenaCount == pageArenas.length) {
            pageArenas = java.util.Arrays.copyOf(pageArenas, pageArenaCount * 2);
        }
        pageArenas[pageArenaCount++] = a;
        return takeRun(a, 0, pages);
    }

    private long takeRun(int a, int at, int pages) {
        long[] bits = pageBits[a];
        for (int p = at; p < at + pages; p++) {
            bits[p >>> 6] |= 1L << p;
        }
        runPages[a][at] = (short) pages;
        freePages[a] -= pages;
        noteCommitted(a, (at + pages) << PAGE_SHIFT);
        long bytes = (long) pages << PAGE_SHIFT;
        largeBytesInUse += bytes;
        largeRunsInUse++;
        addBytes(bytes);
        return arenaAddress(a) + ((long) at << PAGE_SHIFT);
    }

    /** First fit: the lowest page that starts {@code pages} clear bits, or -1. */
    static int findRun(long[] bits, int pages) {
        int run = 0;
        for (int p = 0; p < PAGES_PER_ARENA; p++) {
            if ((bits[p >>> 6] & (1L << p)) == 0) {
                if (++run == pages) {
                    return p - pages + 1;
                }
            } else {
                run = 0;
            }
        }
        return -1;
    }

    private long mallocHuge(long nbytes) {
        long arenasL = (nbytes + ARENA_SIZE - 1) >>> ARENA_SHIFT;
        if (arenasL > maxArenas) {
            throw exhausted(nbytes, arenasL + " arenas needed, " + maxArenas + " in the whole heap");
        }
        int k = (int) arenasL;
        int start = used.nextClearBit(0);
        while (true) {
            if (start + k > maxArenas) {
                if (reclaimQuarantine()) {
                    return mallocHuge(nbytes);
                }
                throw exhausted(nbytes, "no run of " + k + " free arenas; " + arenasInUse + " of " + maxArenas
                        + " arenas in use");
            }
            int nextUsed = used.nextSetBit(start);
            if (nextUsed < 0 || nextUsed >= start + k) {
                break;
            }
            start = used.nextClearBit(nextUsed);
        }
        ensureArenas(start + k - 1); // once for the run, not k doublings
        for (int a = start; a < start + k; a++) {
            claim(a, a == start ? HUGE : HUGE_TAIL);
            noteCommitted(a, ARENA_SIZE);
        }
        hugeArenas[start] = k;
        long bytes = (long) k << ARENA_SHIFT;
        largeBytesInUse += bytes;
        largeRunsInUse++;
        addBytes(bytes);
        return arenaAddress(start);
    }

    /** A free arena for {@code k}, committed ones first, else the lowest never used or released one. */
    private int takeArena(byte k, long forRequest) {
        int a = committedFree.nextSetBit(0);
        if (a < 0) {
            a = used.nextClearBit(0);
            if (a >= maxArenas) {
                throw exhausted(forRequest, "all " + maxArenas + " arenas of 1 MiB in use");
            }
        }
        claim(a, k);
        return a;
    }

    private void claim(int a, byte k) {
        ensureArenas(a);
        if (committedFree.get(a)) {
            committedFree.clear(a);
            if (a >= pinnedArenas && policy == ReleasePolicy.FOOTPRINT) {
                spares--;
            }
        }
        used.set(a);
        kind[a] = k;
        arenasInUse++;
        arenasAllocated++;
    }

    /** Makes the per-arena arrays cover arena {@code a}. */
    private void ensureArenas(int a) {
        if (a >= kind.length) {
            growArenas(a);
        }
    }

    /**
     * Doubles the per-arena arrays (or more, to reach {@code a}), never past {@code maxArenas}. The new
     * entries read as a never-used FREE arena: kind 0, nothing committed, no pools, no pages.
     */
    private void growArenas(int a) {
        int n = (int) Math.min(maxArenas, Math.max(a + 1L, 2L * kind.length));
        kind = java.util.Arrays.copyOf(kind, n);
        nfreepools = java.util.Arrays.copyOf(nfreepools, n);
        poolBump = java.util.Arrays.copyOf(poolBump, n);
        freepools = java.util.Arrays.copyOf(freepools, n);
        nextUsable = java.util.Arrays.copyOf(nextUsable, n);
        prevUsable = java.util.Arrays.copyOf(prevUsable, n);
        committedHigh = java.util.Arrays.copyOf(committedHigh, n);
        pageBits = java.util.Arrays.copyOf(pageBits, n);
        runPages = java.util.Arrays.copyOf(runPages, n);
        freePages = java.util.Arrays.copyOf(freePages, n);
        hugeArenas = java.util.Arrays.copyOf(hugeArenas, n);
    }

    /**
     * Bytes of Java heap the per-arena metadata holds (array payloads, headers not counted): what a
     * test checks to see that it follows the arenas in use, not the size of the reservation.
     */
    long metadataBytes() {
        long perArena = Byte.BYTES + 7L * Integer.BYTES + Long.BYTES + 2L * 4; // 2 references, compressed
        long bytes = kind.length * perArena + (used.size() + committedFree.size()) / 8;
        for (int a = 0; a < pageBits.length; a++) {
            if (pageBits[a] != null) {
                bytes += (long) pageBits[a].length * Long.BYTES + (long) runPages[a].length * Short.BYTES;
            }
        }
        return bytes;
    }

    private HeapExhaustedException exhausted(long request, String detail) {
        return new HeapExhaustedException(request, limitBytes, detail);
    }

    // ------------------------------------------------------------------ free

    /**
     * Frees a block returned by {@link #malloc}. The caller guarantees {@code block} is allocated
     * (the heap checks objects before it frees them; see {@link #isAllocated}).
     */
    public void free(long block) {
        int a = arenaIndex(block);
        byte k = kind[a];
        if (k == POOLS) {
            long pool = block & POOL_MASK;
            int szidx = getInt(pool + PoolHeader.SZIDX);
            int n = cacheCount[szidx];
            // The cache takes a block of the head pool that is not the pool's last one in use (CACHE_SIZE);
            // cacheLimit is 0 while the quarantine is on, which sends every free to the slow path.
            if (n < cacheLimit && pool == usedpools[szidx] && getInt(pool + PoolHeader.COUNT) - n > 1) {
                cache[szidx * CACHE_SIZE + n] = block;
                cacheCount[szidx] = n + 1;
                return;
            }
            heldBlocks[szidx]--;
            heldBytes -= SizeClasses.size(szidx);
            if (cacheLimit == 0) {
                quarantine(block, SizeClasses.size(szidx));
            } else {
                releaseSmall(block, pool, szidx);
            }
        } else {
            freeLarge(block, a, k);
        }
    }

    /**
     * {@link #free} for a caller that knows {@code block} is a small block of class {@code szidx} (an
     * object of a fixed-size type): the cache push without reading the class from the pool header.
     * Anything else takes {@link #free}'s own path.
     */
    public void freeKnown(long block, int szidx) {
        long pool = block & POOL_MASK;
        int n = cacheCount[szidx];
        if (n < cacheLimit && pool == usedpools[szidx] && getInt(pool + PoolHeader.COUNT) - n > 1) {
            cache[szidx * CACHE_SIZE + n] = block;
            cacheCount[szidx] = n + 1;
            return;
        }
        free(block);
    }

    /**
     * Gives back a small block already out of the figures: the slow twin of {@link #free}'s cache push.
     * A block of another pool than the head, or one the full cache cannot take, goes to its pool. The
     * head's last block in use still goes to the cache (so that a loop freeing and allocating one
     * object touches no pool header), unless that leaves an arena held by caches alone.
     */
    private void releaseSmall(long block, long pool, int szidx) {
        if (pool != usedpools[szidx]) {
            freeSmall(block, szidx);
            return;
        }
        int n = cacheCount[szidx];
        if (n < CACHE_SIZE) {
            cache[szidx * CACHE_SIZE + n++] = block;
            cacheCount[szidx] = n;
            heldBlocks[szidx]++; // held again, by the cache
            addBytes(SizeClasses.size(szidx));
        } else {
            freeSmall(block, szidx); // the pool keeps n > 0 cached blocks, so it stays the head
        }
        if (getInt(pool + PoolHeader.COUNT) == n) {
            cacheOnlyHeads |= 1 << szidx;
            releaseIfOnlyCached(getInt(pool + PoolHeader.ARENAINDEX));
        }
    }

    /**
     * When every pool in use in POOLS arena {@code a} is a head holding only cached blocks, flushes
     * those caches: the pools empty and the arena is released. Afterwards no arena is held by caches
     * alone. Cheap unless the arena is down to as few pools as there are such heads anywhere.
     */
    private void releaseIfOnlyCached(int a) {
        int poolsInUse = POOLS_PER_ARENA - nfreepools[a];
        if (poolsInUse > Integer.bitCount(cacheOnlyHeads)) {
            return;
        }
        int here = 0;
        for (int m = cacheOnlyHeads; m != 0; m &= m - 1) {
            int c = Integer.numberOfTrailingZeros(m);
            int n = cacheCount[c];
            long head = usedpools[c];
            if (n == 0 || getInt(head + PoolHeader.COUNT) != n) {
                cacheOnlyHeads &= ~(1 << c); // blocks were handed out again since
            } else if (getInt(head + PoolHeader.ARENAINDEX) == a) {
                here |= 1 << c;
            }
        }
        if (Integer.bitCount(here) == poolsInUse) {
            for (; here != 0; here &= here - 1) {
                flushCache(Integer.numberOfTrailingZeros(here));
            }
        }
    }

    /** Returns every cached block to its pool, so that empty pools and arenas can be released. */
    public void trimCaches() {
        for (int c = 0; c < cacheCount.length; c++) {
            flushCache(c);
        }
    }

    /** Returns the cached blocks of class {@code c} to their pool, the head of the class. */
    private void flushCache(int c) {
        int n = cacheCount[c];
        if (n == 0) {
            return;
        }
        cacheCount[c] = 0;
        cacheOnlyHeads &= ~(1 << c);
        heldBlocks[c] -= n;
        heldBytes -= (long) n * SizeClasses.size(c);
        for (int i = 0; i < n; i++) {
            freeSmall(cache[c * CACHE_SIZE + i], c);
        }
    }

    /** Pushes a block (already taken out of the figures) on its pool's free list. */
    private void freeSmall(long block, int szidx) {
        long pool = block & POOL_MASK;
        long lastfree = getLong(pool + PoolHeader.FREEBLOCK);
        if (lastfree == 0) {
            // The pool was full and on no list: it becomes the head of its class's list, and the cached
            // blocks, which belong to the old head, go back there first (CACHE_SIZE, rule 1).
            flushCache(szidx);
            putLong(block, ~0L);
            putLong(pool + PoolHeader.FREEBLOCK, block);
            putInt(pool + PoolHeader.COUNT, getInt(pool + PoolHeader.COUNT) - 1);
            long head = usedpools[szidx]; // read after the flush, which may have emptied the old head
            putLong(pool + PoolHeader.NEXTPOOL, head);
            putLong(pool + PoolHeader.PREVPOOL, 0);
            if (head != 0) {
                putLong(head + PoolHeader.PREVPOOL, pool);
            }
            usedpools[szidx] = pool;
            return;
        }
        putLong(block, ~lastfree);
        putLong(pool + PoolHeader.FREEBLOCK, block);
        int count = getInt(pool + PoolHeader.COUNT) - 1;
        putInt(pool + PoolHeader.COUNT, count);
        if (count == 0) {
            unlinkUsedPool(pool, szidx);
            poolToArena(pool);
        }
    }

    private void unlinkUsedPool(long pool, int szidx) {
        long next = getLong(pool + PoolHeader.NEXTPOOL);
        long prev = getLong(pool + PoolHeader.PREVPOOL);
        if (prev == 0) {
            usedpools[szidx] = next;
        } else {
            putLong(prev + PoolHeader.NEXTPOOL, next);
        }
        if (next != 0) {
            putLong(next + PoolHeader.PREVPOOL, prev);
        }
    }

    /** An empty pool returns to its arena; keeps the usable list sorted (CPython's insert_to_freepool). */
    private void poolToArena(long pool) {
        int a = getInt(pool + PoolHeader.ARENAINDEX);
        putLong(pool + PoolHeader.NEXTPOOL, freepools[a]);
        freepools[a] = pool;
        int nf = nfreepools[a];
        int lastnf = nfp2lasta[nf];
        if (lastnf == a) {
            int p = prevUsable[a];
            nfp2lasta[nf] = (p != NONE && nfreepools[p] == nf) ? p : NONE;
        }
        nfreepools[a] = ++nf;
        if (nf == POOLS_PER_ARENA) {
            // Every pool empty: off the usable list (it is on it: nf - 1 > 0) and release it.
            unlinkUsable(a);
            releaseArena(a);
            return;
        }
        if (nf == 1) {
            // It was full and on no list; with one free pool it is the fullest usable arena.
            nextUsable[a] = usableHead;
            prevUsable[a] = NONE;
            if (usableHead != NONE) {
                prevUsable[usableHead] = a;
            }
            usableHead = a;
            if (nfp2lasta[1] == NONE) {
                nfp2lasta[1] = a;
            }
            return;
        }
        if (nfp2lasta[nf] == NONE) {
            nfp2lasta[nf] = a;
        }
        if (a != lastnf) {
            // Move a to just after lastnf, the last arena that still has the old count. (When a was that
            // last arena, it already sits before every larger count.)
            unlinkUsable(a);
            int after = nextUsable[lastnf];
            prevUsable[a] = lastnf;
            nextUsable[a] = after;
            nextUsable[lastnf] = a;
            if (after != NONE) {
                prevUsable[after] = a;
            }
        }
        if (cacheOnlyHeads != 0) {
            releaseIfOnlyCached(a); // the pool that left may have been the last one holding live blocks
        }
    }

    private void unlinkUsable(int a) {
        int p = prevUsable[a];
        int n = nextUsable[a];
        if (p == NONE) {
            usableHead = n;
        } else {
            nextUsable[p] = n;
        }
        if (n != NONE) {
            prevUsable[n] = p;
        }
        prevUsable[a] = NONE;
        nextUsable[a] = NONE;
    }

    private void freeLarge(long block, int a, byte k) {
        assert k == PAGES || k == HUGE : "free of 0x" + Long.toHexString(block) + " in arena " + a + " of kind " + k;
        long bytes = k == PAGES
                ? (long) runPages[a][(int) ((block - arenaAddress(a)) >>> PAGE_SHIFT)] << PAGE_SHIFT
                : (long) hugeArenas[a] << ARENA_SHIFT;
        largeBytesInUse -= bytes;
        largeRunsInUse--;
        heldBytes -= bytes;
        if (quarantine.maxBytes() != 0) {
            quarantine(block, bytes);
        } else {
            releaseLarge(block, a, k);
        }
    }

    /** Gives a large run already out of the figures back to its arena, or its arenas back. */
    private void releaseLarge(long block, int a, byte k) {
        if (k == PAGES) {
            int page = (int) ((block - arenaAddress(a)) >>> PAGE_SHIFT);
            int pages = runPages[a][page];
            long[] bits = pageBits[a];
            for (int p = page; p < page + pages; p++) {
                bits[p >>> 6] &= ~(1L << p);
            }
            runPages[a][page] = 0;
            freePages[a] += pages;
            if (freePages[a] == PAGES_PER_ARENA) {
                for (int i = 0; i < pageArenaCount; i++) {
                    if (pageArenas[i] == a) {
                        pageArenas[i] = pageArenas[--pageArenaCount];
                        break;
                    }
                }
                releaseArena(a);
            }
        } else {
            int n = hugeArenas[a];
            hugeArenas[a] = 0;
            for (int i = a; i < a + n; i++) {
                releaseArena(i);
            }
        }
    }

    private void releaseArena(int a) {
        kind[a] = FREE;
        used.clear(a);
        arenasInUse--;
        boolean keep;
        if (a < pinnedArenas || policy == ReleasePolicy.LATENCY) {
            keep = true;
        } else {
            keep = spares == 0;
            if (keep) {
                spares++;
            }
        }
        if (keep) {
            committedFree.set(a);
        } else {
            reservation.decommit(arenaAddress(a), ARENA_SIZE);
            committedBytes -= committedHigh[a];
            committedHigh[a] = 0;
            arenasReleased++;
        }
    }

    // ------------------------------------------------------------------ quarantine

    /**
     * Holds freed blocks back from reuse, as AddressSanitizer and other debug allocators do: with
     * {@code maxBytes > 0}, {@link #free} takes a block out of every in-use figure at once
     * ({@link #bytesInUse}, {@link #blocksInUse}, the large figures; {@link #isAllocated} answers false)
     * but keeps it from its pool or run in a FIFO of at most {@code maxBytes} bytes of blocks; only
     * the block that leaves the FIFO is freed for real. A stale address thus stays dead for about
     * {@code maxBytes} of later frees. The caller must fill a block with {@link #DEAD_BYTE} before it
     * frees it; when the block leaves, bytes from {@link #POISON_CHECK_FROM} to its end must still be
     * {@code DEAD_BYTE}, and the first block that is not is reported by {@link #verify} as a write after
     * free. The check never throws from {@code free}.
     *
     * <p>{@code 0} (the default) turns the quarantine off; lowering the limit frees the oldest blocks
     * down to it. When the heap's limit is reached the quarantine is flushed before an allocation fails.
     *
     * @throws IllegalArgumentException when {@code maxBytes} is negative
     */
    public void setQuarantine(long maxBytes) {
        setQuarantine(maxBytes, POISON_CHECK_FROM);
    }

    /**
     * {@link #setQuarantine(long)} with the poison check starting at byte {@code checkFrom} of each
     * block, or no check at all with {@code -1} (for a caller that does not fill freed blocks).
     *
     * @throws IllegalArgumentException when {@code maxBytes} is negative or {@code checkFrom} below -1
     */
    public void setQuarantine(long maxBytes, int checkFrom) {
        if (maxBytes < 0 || checkFrom < -1) {
            throw new IllegalArgumentException("quarantine limit must be >= 0 and its check offset >= -1: maxBytes "
                    + maxBytes + ", checkFrom " + checkFrom);
        }
        quarantine.setLimit(maxBytes, checkFrom);
        cacheLimit = maxBytes == 0 ? CACHE_SIZE : 0;
        while (quarantine.count() > 0 && quarantine.over()) {
            evictOldest();
        }
    }

    /** Frees every quarantined block for real (checking each), oldest first. The limit stays. */
    public void flushQuarantine() {
        while (quarantine.count() > 0) {
            evictOldest();
        }
    }

    /** Bytes of freed blocks the quarantine holds back from reuse. */
    public long quarantinedBytes() {
        return quarantine.bytes();
    }

    /** Holds a freed block (already out of the figures) back, and lets the oldest go past the limit. */
    private void quarantine(long block, long size) {
        quarantine.add(block, size);
        while (quarantine.over()) {
            evictOldest();
        }
    }

    private void evictOldest() {
        long block = quarantine.oldestBlock();
        long size = quarantine.oldestSize();
        quarantine.removeOldest();
        quarantine.checkPoison(seg, block - base, block, size);
        int a = arenaIndex(block);
        byte k = kind[a];
        if (k == POOLS) {
            long pool = block & POOL_MASK;
            releaseSmall(block, pool, getInt(pool + PoolHeader.SZIDX));
        } else {
            releaseLarge(block, a, k);
        }
    }

    /**
     * At the heap's limit: frees the quarantine for real so that its blocks can serve the request, as
     * debug mode must not make a program run out of memory sooner. Returns whether it held anything.
     */
    private boolean reclaimQuarantine() {
        if (quarantine.count() == 0) {
            return false;
        }
        flushQuarantine();
        return true;
    }

    /** Whether an arena is free to take (committed or not). */
    private boolean freeArenaLeft() {
        return !committedFree.isEmpty() || used.nextClearBit(0) < maxArenas;
    }

    // ------------------------------------------------------------------ queries

    /**
     * Whether {@code block} is the start of a block this allocator handed out and has not seen freed
     * since. Exact for large runs and for any block the quarantine holds ({@link #setQuarantine});
     * for other small blocks it checks arena, pool, alignment to the class and that the block was
     * carved, and cannot tell a freed small block from a live one (the heap tells those apart by
     * their reference count).
     */
    public boolean isAllocated(long block) {
        long off = block - base;
        if (off < 0 || off >= limitBytes || (block & (SizeClasses.ALIGNMENT - 1)) != 0) {
            return false;
        }
        if (quarantine.count() != 0 && quarantine.contains(block)) {
            return false; // freed, held back
        }
        int a = (int) (off >>> ARENA_SHIFT);
        byte[] kinds = kind;
        if (a >= kinds.length) {
            return false; // never claimed
        }
        switch (kinds[a]) {
            case POOLS: {
                long pool = block & POOL_MASK;
                int p = (int) ((pool - arenaAddress(a)) >>> POOL_SHIFT);
                if (p >= poolBump[a] || getInt(pool + PoolHeader.COUNT) == 0) {
                    return false;
                }
                int inPool = (int) (block - pool);
                int size = SizeClasses.size(getInt(pool + PoolHeader.SZIDX));
                return inPool >= PoolHeader.SIZE && (inPool - PoolHeader.SIZE) % size == 0
                        && inPool < getInt(pool + PoolHeader.NEXTOFFSET);
            }
            case PAGES: {
                long inArena = block - arenaAddress(a);
                return (inArena & (PAGE_SIZE - 1)) == 0 && runPages[a][(int) (inArena >>> PAGE_SHIFT)] > 0;
            }
            case HUGE:
                return block == arenaAddress(a);
            default:
                return false;
        }
    }

    /** The usable size of an allocated block: its class's size, or its run's pages. */
    public long usableSize(long block) {
        long off = block - base;
        if (off < 0 || off >= limitBytes || (off >>> ARENA_SHIFT) >= kind.length) {
            throw new IllegalArgumentException("0x" + Long.toHexString(block) + " is not an allocated block");
        }
        int a = (int) (off >>> ARENA_SHIFT);
        switch (kind[a]) {
            case POOLS:
                return SizeClasses.size(getInt((block & POOL_MASK) + PoolHeader.SZIDX));
            case PAGES:
                return (long) runPages[a][(int) ((block - arenaAddress(a)) >>> PAGE_SHIFT)] << PAGE_SHIFT;
            case HUGE:
                return (long) hugeArenas[a] << ARENA_SHIFT;
            default:
                throw new IllegalArgumentException("0x" + Long.toHexString(block) + " is not an allocated block");
        }
    }

    /**
     * Checks the allocator against itself: walks every arena, pool, free list, cache, used-pool and
     * usable-arena list and page map, and compares what it finds with the figures
     * ({@link ObmallocWalk} lists the checks). Reads only; O(arenas in use + blocks carved). For tests
     * and debug builds.
     *
     * @throws IllegalStateException naming the first inconsistency (arena, pool, block and the values
     *         that disagree)
     */
    public void verify() {
        new ObmallocWalk(this).verify();
    }

    /**
     * Calls {@code action} with the address of every block currently handed out and not freed since,
     * small and large, in address order; not blocks that are free, cached or quarantined. The action
     * must not allocate or free through this allocator (a ConcurrentModificationException says so).
     * Assumes a consistent allocator: call {@link #verify} first when in doubt.
     */
    public void forEachAllocatedBlock(LongConsumer action) {
        new ObmallocWalk(this).forEachAllocatedBlock(action);
    }

    /**
     * Bytes handed out and not yet freed, as requested rounded up to their size class or page run.
     *
     * @return bytes in use
     */
    public long bytesInUse() {
        long cached = 0;
        for (int c = 0; c < cacheCount.length; c++) {
            cached += (long) cacheCount[c] * SizeClasses.size(c);
        }
        return heldBytes - cached;
    }

    /**
     * The most {@link #bytesInUse()} has been since creation or {@link #resetPeak()}.
     *
     * @return the peak in bytes
     */
    public long peakBytesInUse() {
        return peakBytesInUse;
    }

    /** Resets the peak to the current figure (tracemalloc's {@code reset_peak}). */
    public void resetPeak() {
        peakBytesInUse = heldBytes;
    }

    /**
     * Bytes of arenas touched since they were last given back to the kernel: an upper bound of what
     * this heap holds resident (a page inside a touched range that nothing wrote is not resident).
     */
    public long bytesCommitted() {
        return committedBytes;
    }

    /**
     * Arenas holding at least one block, or kept as the spare.
     *
     * @return arenas in use
     */
    public int arenasInUse() {
        return arenasInUse;
    }

    /** Times an empty arena's pages were given back to the kernel. */
    public long arenasReleased() {
        return arenasReleased;
    }

    /** Times an arena was taken into use. */
    public long arenasAllocated() {
        return arenasAllocated;
    }

    /**
     * The most arenas the reservation can hold.
     *
     * @return the reservation's size in arenas
     */
    public int maxArenas() {
        return maxArenas;
    }

    /**
     * The most bytes this allocator can ever hand out space from: {@link #maxArenas()} arenas.
     *
     * @return the limit in bytes
     */
    public long limitBytes() {
        return limitBytes;
    }

    /** Blocks in use in size class {@code szidx}. */
    public long blocksInUse(int szidx) {
        return heldBlocks[szidx] - cacheCount[szidx];
    }

    /**
     * Page runs (blocks over 512 bytes) in use.
     *
     * @return runs in use
     */
    public long largeRunsInUse() {
        return largeRunsInUse;
    }

    /**
     * Bytes in page runs in use, whole pages counted.
     *
     * @return bytes in large runs
     */
    public long largeBytesInUse() {
        return largeBytesInUse;
    }

    // ------------------------------------------------------------------ helpers

    private void addBytes(long n) {
        long b = heldBytes + n;
        heldBytes = b;
        if (b > peakBytesInUse) {
            peakBytesInUse = b;
        }
    }

    private void noteCommitted(int a, int high) {
        if (high > committedHigh[a]) {
            committedBytes += high - committedHigh[a];
            committedHigh[a] = high;
        }
    }

    long arenaAddress(int a) {
        return base + ((long) a << ARENA_SHIFT);
    }

    int arenaIndex(long address) {
        return (int) ((address - base) >>> ARENA_SHIFT);
    }

    long getLong(long address) {
        return seg.get(LONG, address - base);
    }

    private void putLong(long address, long value) {
        seg.set(LONG, address - base, value);
    }

    int getInt(long address) {
        return seg.get(INT, address - base);
    }

    private void putInt(long address, int value) {
        seg.set(INT, address - base, value);
    }
}
