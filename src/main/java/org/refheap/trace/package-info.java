/**
 * tracemalloc for refheap: where every live block of a heap was allocated, as CPython's
 * {@code tracemalloc} (PEP 454) reports it, plus a sampled mode for production.
 *
 * <h2>The door into the heap</h2>
 * One field of {@link org.refheap.Heap}, its {@link org.refheap.AllocationListener}, null when
 * nothing traces: the heap calls it where a block is allocated ({@code allocObject},
 * {@code allocSmallObject}, {@code mallocRaw}) and freed ({@code freeObject}, {@code freeRaw}); list
 * and dict resizes go through the raw pair, so they are traced too. Everything else is here:
 * {@link org.refheap.trace.Tracemalloc} (the face), {@code Recorder} (the listener: a trace table
 * keyed by address and interned tracebacks), {@code StackCapture} (a {@link java.lang.StackWalker}
 * walk that skips refheap's own frames and interns the rest).
 *
 * <h2>Conventions</h2>
 * CPython's names in camelCase, its sort orders and its {@code str()} forms. Tracebacks are oldest frame
 * first; a frame's file is a path from the source root ({@code org/example/Cache.java}). Snapshots are
 * plain Java values, independent of their heap. Traced state belongs to the heap's owner thread.
 */
package org.refheap.trace;
