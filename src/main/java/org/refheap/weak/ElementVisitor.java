package org.refheap.weak;

/**
 * Sees one live element of a {@link WeakSet} during {@code forEach}. The reference is borrowed and
 * held for the length of the call (incref it to keep it).
 */
@FunctionalInterface
public interface ElementVisitor {
    /**
     * Called once per live element, in insertion order.
     *
     * @param element the element
     */
    void visit(long element);
}
