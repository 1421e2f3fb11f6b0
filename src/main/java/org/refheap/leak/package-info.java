/**
 * Exact leak checks for tests: {@link org.refheap.leak.LeakCheck} (any framework) and
 * {@link org.refheap.leak.LeakCheckExtension} (JUnit 5). A check compares the heap's live objects
 * after a collection before and after the code under test, and on growth reports the allocation
 * sites (tracemalloc), the types (objgraph) and the {@code whyAlive} chain of the largest new object.
 *
 * <h2>The door into the heap</h2>
 * None of its own: the public heap API, {@code org.refheap.trace} and {@code org.refheap.graph}.
 * JUnit is an optional dependency, needed only by the extension.
 */
package org.refheap.leak;
