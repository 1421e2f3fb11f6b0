package org.refheap;

/** An address that is not a live object of this heap: outside its range, inside another heap, NULL, or not at an object header. */
public final class NotAnObjectException extends RefHeapException {
    public NotAnObjectException(String message) {
        super(message);
    }
}
