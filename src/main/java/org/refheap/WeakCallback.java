package org.refheap;

/** Called with a weakref (whose referent now reads as None) when its referent dies. */
@FunctionalInterface
public interface WeakCallback {
    /**
     * Called once, after the referent died.
     *
     * @param weakref the weak reference (borrowed), now reading as None
     */
    void onDeath(long weakref);
}
