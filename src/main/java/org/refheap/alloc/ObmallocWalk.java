package org.refheap.alloc;

import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongConsumer;

import static org.refheap.alloc.Obmalloc.ARENA_SHIFT;
import static org.refheap.alloc.Obmalloc.ARENA_SIZE;
import static org.refheap.alloc.Obmalloc.CACHE_SIZE;
import static org.refheap.alloc.Obmalloc.FREE;
import static org.refheap.alloc.Obmalloc.HUGE;
import static org.refheap.alloc.Obmalloc.HUGE_TAIL;
import static org.refheap.alloc.Obmalloc.NONE;
import static org.refheap.alloc.Obmalloc.PAGES;
import static org.refheap.alloc.Obmalloc.PAGES_PER_ARENA;
import static org.refheap.alloc.Obmalloc.PAGE_SHIFT;
import static org.refheap.alloc.Obmalloc.POOLS;
import static org.refheap.alloc.Obmalloc.POOLS_PER_ARENA;
import static org.refheap.alloc.Obmalloc.POOL_MASK;
import static org.refheap.alloc.Obmalloc.POOL_SHIFT;
import static org.refheap.alloc.Obmalloc.POOL_SIZE;

/**
 * One walk over every arena, pool and run of an {@link Obmalloc}: the self-check behind
 * {@link Obmalloc#verify} and the enumeration behind {@link Obmalloc#forEachAllocatedBlock}. It reads
 * the allocator's fields and pool headers and writes nothing. Not a hot path: it allocates freely.
 *
 * <h2>What verify checks</h2>
 * <ol>
 * <li>Per arena: its kind matches the {@code used} set; a committed free arena is FREE; a FREE arena
 *     that is not kept committed has nothing committed; pinned arenas are wholly committed; the
 *     committed high-water marks add up to {@code committedBytes}; arenas in use and spares add up.</li>
 * <li>Per POOLS arena: the pools of its free list were carved, are empty and distinct; its free pool
 *     count is the never-carved pools plus that list; some pool of it holds a block that is not
 *     cached (caches alone never hold an arena, see {@link Obmalloc#CACHE_SIZE}).</li>
 * <li>Per pool in use: its header names its arena and a class; the carved blocks end on the class's
 *     grid inside the pool; its free list runs over distinct carved blocks and ends; {@code count} is
 *     carved blocks less that list and at least 1; it is full exactly when the free list is empty.</li>
 * <li>Per class: the used-pool list holds exactly the pools of the class that are neither full nor
 *     empty, with consistent back links; cached blocks lie in its head pool, carved, not free, distinct;
 *     a head holding only cached blocks is flagged in {@code cacheOnlyHeads}.</li>
 * <li>The usable-arena list holds exactly the POOLS arenas with a free pool, sorted by ascending free
 *     pools with consistent back links, and {@code nfp2lasta[n]} is the last of them with n.</li>
 * <li>Per PAGES arena: each run's pages are set in the bitmap, every other page clear; free pages add
 *     up; the arena is in {@code pageArenas} once. Per HUGE run: its tail arenas follow it.</li>
 * <li>The quarantine: every block it holds is a carved block, not free nor cached, or the start of a
 *     run, found once; its bytes add up and stay within its limit; every one still reads
 *     {@link Quarantine#DEAD_BYTE} where it should. The first write after free found, here or when a
 *     block left the quarantine, is reported before anything else.</li>
 * <li>The figures: blocks in use per class, large runs and bytes, and their sum, {@code bytesInUse},
 *     equal what the walk counts (neither cached nor quarantined blocks are in use); the peak is not
 *     below it.</li>
 * </ol>
 */
final class ObmallocWalk {
    private final Obmalloc m;
    private final Quarantine q;
    /** Per block of the pool being looked at: 0 carved and handed out, FREE_BLOCK, CACHED_BLOCK. */
    private final byte[] state = new byte[SizeClasses.blocksPerPool(0)];
    private static final byte FREE_BLOCK = 1;
    private static final byte CACHED_BLOCK = 2;

    // What the walk found.
    private final long[] liveBlocks = new long[SizeClasses.NB_SMALL_SIZE_CLASSES];
    private long largeRuns;
    private long largeBytes;
    private long quarantinedBlocks;
    private long quarantinedBytes;
    private final Set<Long> nonFullPools = new HashSet<>();

    ObmallocWalk(Obmalloc m) {
        this.m = m;
        this.q = m.quarantine;
    }

    /** Whether {@code block}, handed out by the pools or runs, was freed into the quarantine since. */
    private boolean quarantined(long block) {
        return q.count() != 0 && q.contains(block);
    }

    // ------------------------------------------------------------------ enumeration

    /** Calls {@code action} with every block handed out, in address order. */
    void forEachAllocatedBlock(LongConsumer action) {
        long stamp = m.heldBytes;
        int arenas = m.kind.length;
        for (int a = 0; a < arenas; a++) {
            long arena = m.arenaAddress(a);
            switch (m.kind[a]) {
                case POOLS -> {
                    boolean[] free = freePoolsOf(a);
                    for (int p = 0; p < m.poolBump[a]; p++) {
                        if (free[p]) {
                            continue;
                        }
                        long pool = arena + ((long) p << POOL_SHIFT);
                        int size = SizeClasses.size(m.getInt(pool + PoolHeader.SZIDX));
                        int carved = markPool(pool, size);
                        for (int i = 0; i < carved; i++) {
                            long b = pool + PoolHeader.SIZE + (long) i * size;
                            if (state[i] == 0 && !quarantined(b)) {
                                stamp = call(action, b, stamp);
                            }
                        }
                    }
                }
                case PAGES -> {
                    short[] runs = m.runPages[a];
                    for (int p = 0; p < PAGES_PER_ARENA; p += Math.max(1, runs[p])) {
                        long b = arena + ((long) p << PAGE_SHIFT);
                        if (runs[p] > 0 && !quarantined(b)) {
                            stamp = call(action, b, stamp);
                        }
                    }
                }
                case HUGE -> {
                    if (!quarantined(arena)) {
                        stamp = call(action, arena, stamp);
                    }
                }
                default -> { }
            }
        }
    }

    private long call(LongConsumer action, long block, long stamp) {
        action.accept(block);
        if (m.heldBytes != stamp) {
            throw new ConcurrentModificationException("the action allocated or freed (bytes in use went from "
                    + stamp + " to " + m.heldBytes + ") while the allocator was being walked");
        }
        return stamp;
    }

    /** Which pools of POOLS arena {@code a} are on its free list (not checked: see verifyPoolsArena). */
    private boolean[] freePoolsOf(int a) {
        boolean[] free = new boolean[POOLS_PER_ARENA];
        int steps = 0;
        for (long pool = m.freepools[a]; pool != 0 && steps++ < POOLS_PER_ARENA; ) {
            free[(int) ((pool - m.arenaAddress(a)) >>> POOL_SHIFT)] = true;
            pool = m.getLong(pool + PoolHeader.NEXTPOOL);
        }
        return free;
    }

    /**
     * Fills {@link #state} for the carved blocks of a pool in use from its free list and, for a head
     * pool, its class's cache; returns how many blocks are carved. Unchecked: verify checks first.
     */
    private int markPool(long pool, int size) {
        int carved = (m.getInt(pool + PoolHeader.NEXTOFFSET) - PoolHeader.SIZE) / size;
        Arrays.fill(state, 0, carved, (byte) 0);
        int steps = 0; // bounds the walk on a corrupt list; verify says what is wrong
        for (long b = m.getLong(pool + PoolHeader.FREEBLOCK); b != 0 && steps++ < carved; b = ~m.getLong(b)) {
            state[(int) ((b - pool - PoolHeader.SIZE) / size)] = FREE_BLOCK;
        }
        int szidx = m.getInt(pool + PoolHeader.SZIDX);
        if (m.usedpools[szidx] == pool) {
            for (int i = 0; i < m.cacheCount[szidx]; i++) {
                state[(int) ((m.cache[szidx * CACHE_SIZE + i] - pool - PoolHeader.SIZE) / size)] = CACHED_BLOCK;
            }
        }
        return carved;
    }

    // ------------------------------------------------------------------ verify

    /** Throws an IllegalStateException naming the first inconsistency; see the class comment. */
    void verify() {
        verifyPoison();
        int arenas = m.kind.length;
        check(arenas <= m.maxArenas && m.nfreepools.length == arenas && m.poolBump.length == arenas
                        && m.freepools.length == arenas && m.nextUsable.length == arenas
                        && m.prevUsable.length == arenas && m.committedHigh.length == arenas
                        && m.pageBits.length == arenas && m.runPages.length == arenas
                        && m.freePages.length == arenas && m.hugeArenas.length == arenas,
                "per-arena arrays of different lengths, or longer than the ", m.maxArenas, " arenas");
        check(m.used.length() <= arenas && m.committedFree.length() <= arenas,
                "arena bitsets reach past the ", arenas, " arenas the arrays cover");
        verifyCaches();
        long committed = 0;
        int inUse = 0;
        int spares = 0;
        int hugeTailsUntil = 0;
        for (int a = 0; a < arenas; a++) {
            byte k = m.kind[a];
            int high = m.committedHigh[a];
            boolean keptFree = m.committedFree.get(a);
            check(k >= FREE && k <= HUGE_TAIL, "arena ", a, " has kind ", k);
            check(m.used.get(a) == (k != FREE), "arena ", a, " of kind ", k, " is ",
                    m.used.get(a) ? "" : "not ", "marked used");
            check(!keptFree || k == FREE, "arena ", a, " of kind ", k, " is on the committed free set");
            check(high >= 0 && high <= ARENA_SIZE, "arena ", a, " has committedHigh ", high);
            check(keptFree || k != FREE || high == 0, "free arena ", a, " was decommitted but counts ", high,
                    " committed bytes");
            check(a >= m.pinnedArenas || high == ARENA_SIZE, "pinned arena ", a, " has committedHigh ", high);
            check(a >= m.pinnedArenas || k != FREE || keptFree, "pinned free arena ", a, " is not kept committed");
            check(k == HUGE || m.hugeArenas[a] == 0, "arena ", a, " of kind ", k, " records a huge run of ",
                    m.hugeArenas[a], " arenas");
            check((k == HUGE_TAIL) == (a < hugeTailsUntil), "arena ", a, " of kind ", k,
                    a < hugeTailsUntil ? " inside" : " outside", " a huge run");
            committed += high;
            if (k != FREE) {
                inUse++;
            } else if (keptFree && a >= m.pinnedArenas && m.policy == ReleasePolicy.FOOTPRINT) {
                spares++;
            }
            switch (k) {
                case POOLS -> verifyPoolsArena(a);
                case PAGES -> verifyPagesArena(a);
                case HUGE -> hugeTailsUntil = verifyHugeRun(a);
                default -> { }
            }
        }
        verifyUsedPoolLists();
        verifyUsableList();
        verifyPageArenaList();
        verifyQuarantine();
        check(committed == m.committedBytes, "committedBytes is ", m.committedBytes, " but the arenas' marks add up to ",
                committed);
        check(m.committedBytes <= m.limitBytes, "committedBytes ", m.committedBytes, " exceeds the limit ",
                m.limitBytes);
        check(inUse == m.arenasInUse, "arenasInUse is ", m.arenasInUse, " but ", inUse, " arenas are in use");
        check(spares == m.spares && spares <= 1, "spares is ", m.spares, " but ", spares,
                " released arenas are kept committed");
        verifyFigures();
    }

    /** Rule 1 of the caches: every cached block is a block of its class's head pool, once. */
    private void verifyCaches() {
        Set<Long> seen = new HashSet<>();
        for (int c = 0; c < SizeClasses.NB_SMALL_SIZE_CLASSES; c++) {
            int n = m.cacheCount[c];
            check(n >= 0 && n <= CACHE_SIZE, "class ", c, " caches ", n, " blocks");
            long head = m.usedpools[c];
            check(n == 0 || head != 0, "class ", c, " caches ", n, " blocks but has no used pool");
            for (int i = 0; i < n; i++) {
                long b = m.cache[c * CACHE_SIZE + i];
                check((b & POOL_MASK) == head, "cached block 0x", hex(b), " of class ", c,
                        " is not in the head pool 0x", hex(head));
                check(seen.add(b), "block 0x", hex(b), " is cached twice");
            }
            check(n == 0 || m.getInt(head + PoolHeader.COUNT) != n || (m.cacheOnlyHeads & (1 << c)) != 0,
                    "the head pool 0x", hex(head), " of class ", c,
                    " holds only cached blocks but is not flagged in cacheOnlyHeads");
        }
    }

    private void verifyPoolsArena(int a) {
        long arena = m.arenaAddress(a);
        int bump = m.poolBump[a];
        check(bump >= 1 && bump <= POOLS_PER_ARENA, "POOLS arena ", a, " has carved ", bump, " pools");
        check(m.committedHigh[a] >= bump << POOL_SHIFT, "POOLS arena ", a, " has carved ", bump,
                " pools but counts ", m.committedHigh[a], " committed bytes");
        boolean[] free = new boolean[POOLS_PER_ARENA];
        int onList = 0;
        for (long pool = m.freepools[a]; pool != 0; pool = m.getLong(pool + PoolHeader.NEXTPOOL)) {
            check((pool & (POOL_SIZE - 1)) == 0 && (pool - arena) >>> ARENA_SHIFT == 0,
                    "free pool list of arena ", a, " reaches 0x", hex(pool), ", not a pool of the arena");
            int p = (int) ((pool - arena) >>> POOL_SHIFT);
            check(p < bump, "free pool list of arena ", a, " holds pool ", p, ", never carved (", bump, " are)");
            check(!free[p], "free pool list of arena ", a, " holds pool ", p, " twice (a cycle)");
            check(m.getInt(pool + PoolHeader.COUNT) == 0, "free pool 0x", hex(pool), " of arena ", a, " has count ",
                    m.getInt(pool + PoolHeader.COUNT));
            free[p] = true;
            onList++;
        }
        int nf = m.nfreepools[a];
        check(nf == POOLS_PER_ARENA - bump + onList, "arena ", a, " counts ", nf, " free pools but has ",
                POOLS_PER_ARENA - bump, " never carved and ", onList, " on its free list");
        check(nf < POOLS_PER_ARENA, "arena ", a, " has every pool free but was not released");
        boolean holdsLive = false;
        for (int p = 0; p < bump; p++) {
            if (!free[p]) {
                holdsLive |= verifyUsedPool(arena + ((long) p << POOL_SHIFT), a);
            }
        }
        check(holdsLive, "arena ", a, " is held in use by cached blocks alone");
    }

    /** Checks one pool in use and counts its blocks; returns whether it holds a block not cached. */
    private boolean verifyUsedPool(long pool, int a) {
        int arenaIndex = m.getInt(pool + PoolHeader.ARENAINDEX);
        int szidx = m.getInt(pool + PoolHeader.SZIDX);
        String where = "pool 0x" + hex(pool) + " (arena " + a + ", class " + szidx + ")";
        check(arenaIndex == a, where, " names arena ", arenaIndex);
        check(szidx >= 0 && szidx < SizeClasses.NB_SMALL_SIZE_CLASSES, where, ": no such size class");
        int size = SizeClasses.size(szidx);
        int maxnext = m.getInt(pool + PoolHeader.MAXNEXTOFFSET);
        int next = m.getInt(pool + PoolHeader.NEXTOFFSET);
        check(maxnext == POOL_SIZE - size, where, " has maxnextoffset ", maxnext, ", expected ", POOL_SIZE - size);
        check(next >= PoolHeader.SIZE + size && next <= maxnext + size && (next - PoolHeader.SIZE) % size == 0,
                where, " has nextoffset ", next, ", off the grid of ", size, "-byte blocks after the header");
        int carved = (next - PoolHeader.SIZE) / size;
        Arrays.fill(state, 0, carved, (byte) 0);
        int onList = 0;
        long first = m.getLong(pool + PoolHeader.FREEBLOCK);
        for (long b = first; b != 0; b = ~m.getLong(b)) {
            // Per block: if-throw rather than check(), whose varargs would allocate on every call.
            long inPool = b - pool - PoolHeader.SIZE;
            if ((b & POOL_MASK) != pool || inPool < 0 || inPool % size != 0 || inPool / size >= carved) {
                throw fail(where, ": free list reaches 0x", hex(b), ", not a carved block of the pool (", carved,
                        " carved)");
            }
            int i = (int) (inPool / size);
            if (state[i] != 0) {
                throw fail(where, ": free list passes block 0x", hex(b), " twice (a cycle)");
            }
            state[i] = FREE_BLOCK;
            onList++;
        }
        int count = m.getInt(pool + PoolHeader.COUNT);
        check(count == carved - onList, where, " has count ", count, " but ", carved, " carved blocks - ", onList,
                " on the free list = ", carved - onList);
        check(count >= 1, where, " is in use with no block in use");
        boolean full = first == 0;
        check(!full || next > maxnext, where, " has an empty free list but room to carve at offset ", next);
        if (!full) {
            nonFullPools.add(pool);
        }
        int cached = 0;
        int held = 0;
        if (m.usedpools[szidx] == pool) {
            for (int i = 0; i < m.cacheCount[szidx]; i++) {
                long b = m.cache[szidx * CACHE_SIZE + i];
                long inPool = b - pool - PoolHeader.SIZE;
                check(inPool >= 0 && inPool % size == 0 && inPool / size < carved, where, ": cached block 0x",
                        hex(b), " is not a carved block of it");
                check(state[(int) (inPool / size)] == 0, where, ": cached block 0x", hex(b), " is on its free list");
                state[(int) (inPool / size)] = CACHED_BLOCK;
                cached++;
            }
        }
        if (q.count() != 0) {
            for (int i = 0; i < carved; i++) {
                long b = pool + PoolHeader.SIZE + (long) i * size;
                if (q.contains(b)) {
                    if (state[i] != 0) {
                        throw fail(where, ": quarantined block 0x", hex(b), " is ", state[i] == FREE_BLOCK ? "free" : "cached");
                    }
                    held++;
                }
            }
            quarantinedBlocks += held;
            quarantinedBytes += (long) held * size;
        }
        liveBlocks[szidx] += count - cached - held;
        return count > cached;
    }

    private void verifyUsedPoolLists() {
        for (int c = 0; c < SizeClasses.NB_SMALL_SIZE_CLASSES; c++) {
            long prev = 0;
            for (long pool = m.usedpools[c]; pool != 0; pool = m.getLong(pool + PoolHeader.NEXTPOOL)) {
                String where = "used pool list of class " + c + " at 0x" + hex(pool);
                long off = pool - m.base;
                check(off >= 0 && off < m.limitBytes && (pool & (POOL_SIZE - 1)) == 0
                        && (off >>> ARENA_SHIFT) < m.kind.length && m.kind[(int) (off >>> ARENA_SHIFT)] == POOLS,
                        where, ": not a pool of a POOLS arena");
                check(nonFullPools.remove(pool), where, ": not a pool in use with a free block, or listed twice");
                check(m.getInt(pool + PoolHeader.SZIDX) == c, where, ": the pool is of class ",
                        m.getInt(pool + PoolHeader.SZIDX));
                check(m.getLong(pool + PoolHeader.PREVPOOL) == prev, where, ": prevpool is 0x",
                        hex(m.getLong(pool + PoolHeader.PREVPOOL)), ", expected 0x", hex(prev));
                prev = pool;
            }
        }
        check(nonFullPools.isEmpty(), nonFullPools.size(), " pools with free blocks are on no used pool list, e.g. 0x",
                nonFullPools.isEmpty() ? "" : hex(nonFullPools.iterator().next()));
    }

    private void verifyUsableList() {
        int arenas = m.kind.length;
        boolean[] listed = new boolean[arenas];
        int[] last = new int[POOLS_PER_ARENA + 1];
        Arrays.fill(last, NONE);
        int prev = NONE;
        int prevNf = 0;
        for (int a = m.usableHead; a != NONE; a = m.nextUsable[a]) {
            check(a >= 0 && a < arenas && m.kind[a] == POOLS, "the usable arena list reaches arena ", a,
                    ", not a POOLS arena");
            check(!listed[a], "the usable arena list holds arena ", a, " twice (a cycle)");
            listed[a] = true;
            int nf = m.nfreepools[a];
            check(nf > 0 && nf < POOLS_PER_ARENA, "usable arena ", a, " has ", nf, " free pools");
            check(nf >= prevNf, "the usable arena list is not sorted: arena ", a, " with ", nf,
                    " free pools follows one with ", prevNf);
            check(m.prevUsable[a] == prev, "usable arena ", a, " has prevUsable ", m.prevUsable[a], ", expected ", prev);
            last[nf] = a;
            prev = a;
            prevNf = nf;
        }
        for (int a = 0; a < arenas; a++) {
            if (m.kind[a] == POOLS) {
                check(listed[a] == (m.nfreepools[a] > 0), "POOLS arena ", a, " with ", m.nfreepools[a],
                        " free pools is ", listed[a] ? "" : "not ", "on the usable list");
            }
        }
        for (int nf = 0; nf <= POOLS_PER_ARENA; nf++) {
            check(m.nfp2lasta[nf] == last[nf], "nfp2lasta[", nf, "] is ", m.nfp2lasta[nf],
                    " but the last usable arena with ", nf, " free pools is ", last[nf]);
        }
    }

    private void verifyPagesArena(int a) {
        long[] bits = m.pageBits[a];
        short[] runs = m.runPages[a];
        check(bits != null && runs != null, "PAGES arena ", a, " has no page map");
        int usedPages = 0;
        int end = 0;
        for (int p = 0; p < PAGES_PER_ARENA; ) {
            int n = runs[p];
            if (n == 0) {
                if ((bits[p >>> 6] & (1L << p)) != 0) {
                    throw fail("PAGES arena ", a, ": page ", p, " is marked used but starts no run and lies in none");
                }
                p++;
                continue;
            }
            check(n > 0 && p + n <= PAGES_PER_ARENA, "PAGES arena ", a, ": the run at page ", p, " has ", n, " pages");
            for (int q = p; q < p + n; q++) {
                if ((bits[q >>> 6] & (1L << q)) == 0 || (q != p && runs[q] != 0)) {
                    throw fail("PAGES arena ", a, ": page ", q, " of the run at page ", p,
                            " is not marked used or starts a run of its own");
                }
            }
            usedPages += n;
            countRun(m.arenaAddress(a) + ((long) p << PAGE_SHIFT), (long) n << PAGE_SHIFT);
            p += n;
            end = p;
        }
        check(m.freePages[a] == PAGES_PER_ARENA - usedPages, "PAGES arena ", a, " counts ", m.freePages[a],
                " free pages but its runs leave ", PAGES_PER_ARENA - usedPages);
        check(usedPages > 0, "PAGES arena ", a, " holds no run but was not released");
        check(m.committedHigh[a] >= end << PAGE_SHIFT, "PAGES arena ", a, " has runs up to page ", end,
                " but counts ", m.committedHigh[a], " committed bytes");
    }

    /** Checks the huge run that starts at arena {@code a}; returns the arena just past it. */
    private int verifyHugeRun(int a) {
        int n = m.hugeArenas[a];
        check(n >= 2 && a + (long) n <= m.kind.length, "huge run at arena ", a, " has ", n, " arenas");
        for (int i = a; i < a + n; i++) {
            check(m.committedHigh[i] == ARENA_SIZE, "arena ", i, " of the huge run at ", a, " counts ",
                    m.committedHigh[i], " committed bytes");
        }
        countRun(m.arenaAddress(a), (long) n << ARENA_SHIFT);
        return a + n;
    }

    /** A large run found: in use, or freed into the quarantine. */
    private void countRun(long block, long bytes) {
        if (quarantined(block)) {
            quarantinedBlocks++;
            quarantinedBytes += bytes;
        } else {
            largeRuns++;
            largeBytes += bytes;
        }
    }

    /**
     * Checks every quarantined block's poison (remembering the first write after free, as eviction
     * does), then throws for the first one ever found.
     */
    private void verifyPoison() {
        for (int i = 0; i < q.count(); i++) {
            long b = q.block(i);
            long off = b - m.base;
            check(off >= 0 && off < m.limitBytes && q.size(i) > 0 && q.size(i) <= m.limitBytes - off,
                    "quarantined block 0x", hex(b), " of ", q.size(i), " bytes is not inside the heap");
            q.checkPoison(m.seg, off, b, q.size(i));
        }
        String waf = q.writeAfterFree();
        if (waf != null) {
            throw new IllegalStateException(waf);
        }
    }

    private void verifyQuarantine() {
        long bytes = 0;
        for (int i = 0; i < q.count(); i++) {
            check(q.contains(q.block(i)), "quarantined block 0x", hex(q.block(i)), " is missing from its set");
            bytes += q.size(i);
        }
        check(bytes == q.bytes(), "the quarantine counts ", q.bytes(), " bytes but its blocks add up to ", bytes);
        check(q.bytes() <= q.maxBytes(), "the quarantine holds ", q.bytes(), " bytes, over its limit ", q.maxBytes());
        check(quarantinedBlocks == q.count() && quarantinedBytes == q.bytes(), "the quarantine holds ", q.count(),
                " blocks of ", q.bytes(), " bytes but the walk found ", quarantinedBlocks, " of ", quarantinedBytes,
                " among the blocks handed out");
    }

    private void verifyPageArenaList() {
        Set<Integer> listed = new HashSet<>();
        for (int i = 0; i < m.pageArenaCount; i++) {
            int a = m.pageArenas[i];
            check(a >= 0 && a < m.kind.length && m.kind[a] == PAGES, "pageArenas[", i, "] is arena ", a,
                    ", not a PAGES arena");
            check(listed.add(a), "arena ", a, " is in pageArenas twice");
        }
        for (int a = 0; a < m.kind.length; a++) {
            check(m.kind[a] != PAGES || listed.contains(a), "PAGES arena ", a, " is not in pageArenas");
        }
    }

    private void verifyFigures() {
        long smallBytes = 0;
        for (int c = 0; c < SizeClasses.NB_SMALL_SIZE_CLASSES; c++) {
            check(m.blocksInUse(c) == liveBlocks[c], "blocksInUse(", c, ") is ", m.blocksInUse(c), " but the pools hold ",
                    liveBlocks[c], " blocks in use (not free, cached or quarantined)");
            smallBytes += liveBlocks[c] * SizeClasses.size(c);
        }
        check(m.largeRunsInUse == largeRuns, "largeRunsInUse is ", m.largeRunsInUse, " but the walk found ", largeRuns);
        check(m.largeBytesInUse == largeBytes, "largeBytesInUse is ", m.largeBytesInUse, " but the walk found ",
                largeBytes);
        check(m.bytesInUse() == smallBytes + largeBytes, "bytesInUse is ", m.bytesInUse(), " but the walk found ",
                smallBytes, " small + ", largeBytes, " large");
        check(m.peakBytesInUse >= m.heldBytes, "peakBytesInUse ", m.peakBytesInUse, " is below the bytes held ",
                m.heldBytes);
    }

    // ------------------------------------------------------------------ helpers

    /** Throws with the parts joined; the message is built only on failure. */
    private static void check(boolean ok, Object... parts) {
        if (!ok) {
            throw fail(parts);
        }
    }

    private static IllegalStateException fail(Object... parts) {
        StringBuilder sb = new StringBuilder("allocator inconsistent: ");
        for (Object p : parts) {
            sb.append(p);
        }
        return new IllegalStateException(sb.toString());
    }

    private static String hex(long v) {
        return Long.toHexString(v);
    }
}
