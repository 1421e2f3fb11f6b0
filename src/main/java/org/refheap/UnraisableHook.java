package org.refheap;

/**
 * Receives exceptions that have nowhere to go: thrown by a finalizer, a weakref callback or a gc
 * callback (Python's {@code sys.unraisablehook}). The heap stays consistent whatever it does.
 */
@FunctionalInterface
public interface UnraisableHook {
    /** Prints "Exception ignored in: where" and the stack trace to stderr, as CPython does. */
    UnraisableHook STDERR = (where, error) -> {
        System.err.println("Exception ignored in: " + where);
        error.printStackTrace();
    };

    /**
     * Reports an exception that nothing could catch.
     *
     * @param where what was running: the finalizer, callback or collection, with the object's address and type
     * @param error what it threw
     */
    void report(String where, Throwable error);
}
