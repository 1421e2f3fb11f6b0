package org.refheap.alloc;

/**
 * The small-request size classes, as in CPython's {@code Objects/obmalloc.c} on 64-bit:
 * 16-byte steps up to 512 bytes, 32 classes.
 *
 * <pre>
 *  request (bytes)  class  block size  blocks per 16 KiB pool (after the 48-byte pool header)
 *      1 -   16        0        16      1021
 *     17 -   32        1        32       510
 *     33 -   48        2        48       340
 *     49 -   64        3        64       255
 *     ...             ...      ...       ...
 *    497 -  512       31       512        31
 * </pre>
 *
 * The index is {@code (n - 1) >> 4}: subtracting one maps each multiple of 16 to the class below
 * the next boundary, and the shift divides by the 16-byte step. {@link #indexSlow} is the twin that
 * searches the table instead; a test compares the two for every request size.
 */
public final class SizeClasses {
    /** log2 of {@link #ALIGNMENT}. */
    public static final int ALIGNMENT_SHIFT = 4;
    /** Blocks are 16-byte aligned, and size classes are 16 bytes apart. */
    public static final int ALIGNMENT = 1 << ALIGNMENT_SHIFT;
    /** The largest request served from pools; larger ones get page runs. */
    public static final int SMALL_REQUEST_THRESHOLD = 512;
    /** The number of size classes: 32. */
    public static final int NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD >> ALIGNMENT_SHIFT;

    private SizeClasses() {
    }

    /** Class of a request of {@code n} bytes, {@code 1 <= n <= 512}. */
    public static int index(int n) {
        return (n - 1) >> ALIGNMENT_SHIFT;
    }

    /** Block size of class {@code index}. */
    public static int size(int index) {
        return (index + 1) << ALIGNMENT_SHIFT;
    }

    /** Blocks that fit in one pool of class {@code index}. */
    public static int blocksPerPool(int index) {
        return (Obmalloc.POOL_SIZE - PoolHeader.SIZE) / size(index);
    }

    /** The slow twin of {@link #index}: the smallest class whose block holds {@code n} bytes. */
    static int indexSlow(int n) {
        for (int i = 0; i < NB_SMALL_SIZE_CLASSES; i++) {
            if (size(i) >= n) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a small request: " + n);
    }
}
