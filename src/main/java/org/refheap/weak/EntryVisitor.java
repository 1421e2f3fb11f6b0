package org.refheap.weak;

/**
 * Sees one live entry of a weak dictionary during {@code forEach}. Both references are borrowed and
 * held for the length of the call (incref them to keep them).
 */
@FunctionalInterface
public interface EntryVisitor {
    /**
     * Called once per live entry, in insertion order.
     *
     * @param key   the entry's key
     * @param value the entry's value
     */
    void visit(long key, long value);
}
