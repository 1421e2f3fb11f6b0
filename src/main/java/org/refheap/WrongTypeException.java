package org.refheap;

/** An operation on an object of the wrong type, such as a list operation on a dict. */
public final class WrongTypeException extends RefHeapException {
    public WrongTypeException(String message) {
        super(message);
    }
}
