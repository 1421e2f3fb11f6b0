package org.refheap;

/** A reference count would fall below zero: a decref of an object already freed (a double release). */
public final class RefcountException extends RefHeapException {
    public RefcountException(String message) {
        super(message);
    }
}
