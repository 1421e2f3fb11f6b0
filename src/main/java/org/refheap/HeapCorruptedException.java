package org.refheap;

/**
 * {@link Heap#verify()} found the heap inconsistent: a count smaller than the references to its
 * object, a broken generation list, a flag left behind, a figure that disagrees with the objects.
 * The message names the first inconsistency found, with addresses, types and counts.
 */
public final class HeapCorruptedException extends RefHeapException {
    /**
     * An exception naming the first inconsistency {@link Heap#verify()} found.
     *
     * @param message the inconsistency, with addresses, types and counts
     */
    public HeapCorruptedException(String message) {
        super(message);
    }
}
