package org.refheap;

/** Called with a weakref (whose referent now reads as None) when its referent dies. */
@FunctionalInterface
public interface WeakCallback {
    void onDeath(long weakref);
}
