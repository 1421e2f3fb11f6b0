package org.refheap;

import org.refheap.alloc.Obmalloc;
import org.refheap.alloc.SizeClasses;

import java.util.Arrays;

/**
 * Uses up every byte a heap has left with raw blocks, so that the next allocation of any size fails
 * with {@link HeapExhaustedException}; {@link #release} gives them back. Raw blocks are not objects,
 * so the heap's live-object figures are unchanged by the filling.
 */
final class HeapFiller {
    private final Heap heap;
    private long[] blocks = new long[1024];
    private int n;

    private HeapFiller(Heap heap) {
        this.heap = heap;
    }

    /**
     * Large runs first (they take whole pages and free arenas), then every small size class from the
     * largest down, each until the allocator refuses: a class is then out of free blocks, free pools
     * and arenas, and nothing is freed in between, so every class stays refused.
     */
    static HeapFiller fill(Heap heap) {
        HeapFiller f = new HeapFiller(heap);
        f.takeAll(Obmalloc.PAGE_SIZE);
        for (int i = SizeClasses.NB_SMALL_SIZE_CLASSES - 1; i >= 0; i--) {
            f.takeAll(SizeClasses.size(i));
        }
        return f;
    }

    private void takeAll(long size) {
        while (true) {
            long b;
            try {
                b = heap.mallocRaw(size);
            } catch (HeapExhaustedException e) {
                return;
            }
            if (n == blocks.length) {
                blocks = Arrays.copyOf(blocks, n * 2);
            }
            blocks[n++] = b;
        }
    }

    /** Frees every block taken. */
    void release() {
        for (int i = 0; i < n; i++) {
            heap.freeRaw(blocks[i]);
        }
        n = 0;
    }
}
