package org.refheap;

/**
 * A struct type's {@code __del__}: called with the object when it dies, at most once per object
 * (PEP 442). It may resurrect the object by storing it somewhere reachable; it must not decref a
 * reference it does not own. What it throws goes to the heap's {@link UnraisableHook}.
 *
 * <p>A finalizer runs when the count reaches zero or when the collector finds the object in
 * unreachable garbage, and never if the object stays reachable: for release at a known point use a
 * {@link Ref} in try-with-resources instead.
 */
@FunctionalInterface
public interface Finalizer {
    /**
     * Finalizes {@code obj}: runs with the object still intact, its fields readable.
     *
     * @param obj the dying object (borrowed: the finalizer owns no reference to it)
     */
    void run(long obj);
}
