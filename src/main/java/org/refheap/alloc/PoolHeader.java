package org.refheap.alloc;

/**
 * The header at the start of every 16 KiB pool (CPython's {@code struct pool_header}), in native
 * memory inside the pool itself.
 *
 * <pre>
 *  offset size field          meaning
 *       0    4 count          blocks in use in this pool
 *       4    4 szidx          size class of its blocks
 *       8    8 freeblock      address of the first free block; 0 = none (pool full, or bump only)
 *      16    8 nextpool       next pool in the used list of its class, or in its arena's free list
 *      24    8 prevpool       previous pool in the used list of its class
 *      32    4 arenaindex     index of the arena that holds the pool
 *      36    4 nextoffset     offset of the next never-used block
 *      40    4 maxnextoffset  largest offset a block may start at
 *      44    4 (padding)
 *      48      first block    (48 keeps every block 16-byte aligned)
 * </pre>
 *
 * A free block holds the link to the next free block in its first 8 bytes, stored as its bitwise
 * complement ({@code ~next}; {@code ~0 = -1} ends the list). Addresses are positive, so the first
 * word of a free block is always negative, and the first word is where a non-container object keeps
 * its reference count: a freed object reads as count &lt;= 0, never as a plausible live count.
 */
final class PoolHeader {
    static final int COUNT = 0;
    static final int SZIDX = 4;
    static final int FREEBLOCK = 8;
    static final int NEXTPOOL = 16;
    static final int PREVPOOL = 24;
    static final int ARENAINDEX = 32;
    static final int NEXTOFFSET = 36;
    static final int MAXNEXTOFFSET = 40;
    static final int SIZE = 48;

    private PoolHeader() {
    }
}
