package org.refheap.bench;

import org.refheap.Heap;
import org.refheap.Lists;

/** The heap shapes several benchmarks build, in one place so that they stay the same shape. */
final class Shapes {
    private Shapes() {
    }

    /**
     * One list holding {@code size - 1} lists (each holding None when {@code withItem}): {@code size}
     * tracked objects, all reachable from the returned root (a reference the caller owns).
     */
    static long listOfLists(Heap heap, long size, boolean withItem) {
        Lists lists = heap.lists();
        long root = lists.newList();
        for (long i = 1; i < size; i++) {
            long l = lists.newList();
            if (withItem) {
                lists.append(l, heap.none());
            }
            lists.append(root, l);
            heap.decref(l);
        }
        return root;
    }

    /** Drops {@code root}, collects, and closes the heap, checking that nothing was left behind. */
    static void dispose(Heap heap, long root) {
        heap.decref(root);
        heap.gc().collect();
        if (heap.liveObjects() != 0) {
            throw new IllegalStateException("heap not empty at the end of the trial: " + heap.stats());
        }
        heap.close();
    }
}
