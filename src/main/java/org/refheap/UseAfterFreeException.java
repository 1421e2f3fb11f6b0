package org.refheap;

/** An operation on an object that was already freed (its count reached zero). */
public final class UseAfterFreeException extends RefHeapException {
    /**
     * An exception with the message, naming the address and its type.
     *
     * @param message what went wrong, built by refheap
     */
    public UseAfterFreeException(String message) {
        super(message);
    }
}
