package org.refheap;

/** A reference count would fall below zero: a decref of an object already freed (a double release). */
public final class RefcountException extends RefHeapException {
    /**
     * An exception with the message, naming the address, its type and its count.
     *
     * @param message what went wrong, built by refheap
     */
    public RefcountException(String message) {
        super(message);
    }
}
