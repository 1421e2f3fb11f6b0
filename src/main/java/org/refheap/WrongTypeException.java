package org.refheap;

/** An operation on an object of the wrong type, such as a list operation on a dict. */
public final class WrongTypeException extends RefHeapException {
    /**
     * An exception with the message, naming the address, its type and the type expected.
     *
     * @param message what went wrong, built by refheap
     */
    public WrongTypeException(String message) {
        super(message);
    }
}
