package org.refheap.alloc;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Freed blocks held back from reuse, oldest first out, as AddressSanitizer's quarantine: while a block
 * is here no allocation can hand it out again, so a stale address still points at dead, poisoned
 * memory, and a write through it shows as a changed poison byte when the block leaves.
 *
 * <pre>
 *  ring (FIFO, grows by doubling)          set (open addressing, linear probing, load &lt;= 1/2)
 *  +-------+-------+-------+---            +---+-------+---+-------+---
 *  | block | block | block |  ...          | 0 | block | 0 | block |  ...   0 = empty slot
 *  | size  | size  | size  |               +---+-------+---+-------+---
 *  +-------+-------+-------+---            membership in O(1) for Obmalloc.isAllocated
 *   ^head (oldest)
 * </pre>
 *
 * Poison contract: the owner fills every block with {@link #DEAD_BYTE} before it frees it; bytes from
 * {@link #checkFrom()} to the end of the block must still read {@code DEAD_BYTE} when the block
 * leaves. The first block that does not is remembered ({@link #writeAfterFree()}); nothing is thrown
 * on the free path. Not thread safe, like its allocator.
 */
final class Quarantine {
    /** CPython's PYTHONMALLOC=debug byte for freed memory. */
    static final byte DEAD_BYTE = (byte) 0xDD;
    /**
     * Where the poison check starts by default: the first 16 bytes are a GC head or a refcount and type
     * word, which the heap's free bookkeeping may still write after poisoning.
     */
    static final int DEFAULT_CHECK_FROM = 16;
    /** A run of DEAD_BYTE to compare blocks with, a chunk at a time. */
    private static final MemorySegment DEAD;

    static {
        byte[] dead = new byte[4096];
        Arrays.fill(dead, DEAD_BYTE);
        DEAD = MemorySegment.ofArray(dead);
    }

    private long maxBytes;
    private int checkFrom = DEFAULT_CHECK_FROM;
    private long bytes;

    // FIFO ring; capacity a power of two.
    private long[] blocks = new long[64];
    private long[] sizes = new long[64];
    private int head;
    private int count;

    // Membership; capacity a power of two, at least twice count.
    private long[] table = new long[128];

    // The first write after free found, if any.
    private long wafBlock;
    private long wafSize;
    private long wafOffset;
    private byte wafValue;

    /** 0 = off. */
    long maxBytes() {
        return maxBytes;
    }

    void setLimit(long maxBytes, int checkFrom) {
        this.maxBytes = maxBytes;
        this.checkFrom = checkFrom;
    }

    /** The offset the poison check starts at; -1 when blocks are not checked. */
    int checkFrom() {
        return checkFrom;
    }

    long bytes() {
        return bytes;
    }

    int count() {
        return count;
    }

    /** Whether more bytes are held than the limit allows. */
    boolean over() {
        return bytes > maxBytes;
    }

    /** Holds {@code block} of {@code size} bytes; it must not be held already. */
    void add(long block, long size) {
        assert !contains(block) : "0x" + Long.toHexString(block) + " freed twice: it is in the quarantine";
        if (count == blocks.length) {
            growRing();
        }
        int tail = (head + count) & (blocks.length - 1);
        blocks[tail] = block;
        sizes[tail] = size;
        count++;
        bytes += size;
        if (2 * count > table.length) {
            rehash(2 * table.length);
        }
        insert(table, block);
    }

    long oldestBlock() {
        return blocks[head];
    }

    long oldestSize() {
        return sizes[head];
    }

    /** Lets the oldest block go (the caller frees it for real). */
    void removeOldest() {
        long block = blocks[head];
        bytes -= sizes[head];
        head = (head + 1) & (blocks.length - 1);
        count--;
        remove(block);
    }

    /** The i-th oldest block held, 0 <= i < count. */
    long block(int i) {
        return blocks[(head + i) & (blocks.length - 1)];
    }

    long size(int i) {
        return sizes[(head + i) & (blocks.length - 1)];
    }

    boolean contains(long block) {
        long[] t = table;
        int mask = t.length - 1;
        for (int i = slot(block, mask); ; i = (i + 1) & mask) {
            long k = t[i];
            if (k == block) {
                return true;
            }
            if (k == 0) {
                return false;
            }
        }
    }

    /**
     * Checks that the block at {@code block} (segment offset {@code offset}) still reads DEAD_BYTE from
     * {@link #checkFrom()} to {@code size}, and remembers the first block that does not. Returns
     * whether it does.
     */
    boolean checkPoison(MemorySegment seg, long offset, long block, long size) {
        if (checkFrom < 0) {
            return true;
        }
        for (long from = checkFrom; from < size; from += DEAD.byteSize()) {
            long n = Math.min(DEAD.byteSize(), size - from);
            long at = MemorySegment.mismatch(seg, offset + from, offset + from + n, DEAD, 0, n);
            if (at >= 0) {
                if (wafBlock == 0) {
                    wafBlock = block;
                    wafSize = size;
                    wafOffset = from + at;
                    wafValue = seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset + from + at);
                }
                return false;
            }
        }
        return true;
    }

    /** The first write after free found, as a sentence; null when none was found. */
    String writeAfterFree() {
        if (wafBlock == 0) {
            return null;
        }
        return "write after free: byte " + wafOffset + " of the " + wafSize + "-byte block at 0x"
                + Long.toHexString(wafBlock) + " reads 0x" + Integer.toHexString(wafValue & 0xff)
                + " instead of 0x" + Integer.toHexString(DEAD_BYTE & 0xff) + " (the freed block was written)";
    }

    // ------------------------------------------------------------------ ring and set

    private void growRing() {
        int n = blocks.length;
        long[] b = new long[2 * n];
        long[] s = new long[2 * n];
        for (int i = 0; i < count; i++) {
            b[i] = blocks[(head + i) & (n - 1)];
            s[i] = sizes[(head + i) & (n - 1)];
        }
        blocks = b;
        sizes = s;
        head = 0;
    }

    private void rehash(int capacity) {
        long[] t = new long[capacity];
        for (long k : table) {
            if (k != 0) {
                insert(t, k);
            }
        }
        table = t;
    }

    /** Home slot: blocks are 16-byte aligned, so the low four bits carry nothing; Fibonacci hashing. */
    private static int slot(long block, int mask) {
        long h = (block >>> 4) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    private static void insert(long[] t, long block) {
        int mask = t.length - 1;
        int i = slot(block, mask);
        while (t[i] != 0) {
            i = (i + 1) & mask;
        }
        t[i] = block;
    }

    /**
     * Deletes by shifting back (Knuth, TAOCP vol. 3, 6.4 Algorithm R): every key after the hole that
     * could not be found past it moves into it, so no tombstones pile up.
     */
    private void remove(long block) {
        long[] t = table;
        int mask = t.length - 1;
        int hole = slot(block, mask);
        while (t[hole] != block) {
            hole = (hole + 1) & mask;
        }
        for (int j = (hole + 1) & mask; t[j] != 0; j = (j + 1) & mask) {
            int home = slot(t[j], mask);
            // t[j] may move to the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole < j ? home > hole && home <= j : home > hole || home <= j;
            if (!stays) {
                t[hole] = t[j];
                hole = j;
            }
        }
        t[hole] = 0;
    }
}
