package org.refheap;

/** An address that is not a live object of this heap: outside its range, inside another heap, NULL, or not at an object header. */
public final class NotAnObjectException extends RefHeapException {
    /**
     * An exception with the message, naming the address and why it is not an object.
     *
     * @param message what went wrong, built by refheap
     */
    public NotAnObjectException(String message) {
        super(message);
    }
}
