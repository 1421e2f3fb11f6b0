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

    void report(String where, Throwable error);
}
