package org.refheap;

/**
 * A test's fault injector ({@code heap.setFaults}): called at named points inside allocations,
 * collection phases and pause-bounded steps, it may throw there, so that a test can prove every such
 * point leaves the heap consistent ({@link Heap#verify()}) and able to free everything. Package
 * private: not for applications.
 */
@FunctionalInterface
interface FaultHook {
    void at(String point);
}
