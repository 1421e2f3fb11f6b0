package org.refheap;

/** An operation on an object that was already freed (its count reached zero). */
public final class UseAfterFreeException extends RefHeapException {
    public UseAfterFreeException(String message) {
        super(message);
    }
}
