package org.refheap;

/**
 * The root of refheap's own exceptions. Every misuse of a heap is reported as one of these (or as a
 * standard {@link IndexOutOfBoundsException}, {@link IllegalArgumentException},
 * {@link WrongThreadException} or {@link IllegalStateException}) with the address, type and counts
 * in its message, and leaves the heap consistent.
 */
public class RefHeapException extends RuntimeException {
    /**
     * An exception with its message.
     *
     * @param message what went wrong, with the address, type and counts involved
     */
    public RefHeapException(String message) {
        super(message);
    }
}
