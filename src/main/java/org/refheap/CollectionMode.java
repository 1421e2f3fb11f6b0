package org.refheap;

/**
 * How a heap finds cyclic garbage on its own ({@link HeapConfig#withCollectionMode}).
 *
 * <ul>
 * <li>{@link #GENERATIONAL}, the default: CPython's collector, unchanged (thresholds 700/10/10,
 *     automatic collections of generations 0, 1 and 2, the 25% rule for full ones). A full
 *     collection scans every tracked object: its pause grows with the heap.</li>
 * <li>{@link #LOW_LATENCY}: for programs with large heaps and a pause budget. Every decref that
 *     leaves a container's count above zero buffers it once as a <em>candidate root</em> (Bacon and
 *     Rajan's synchronous cycle collection, PHP's collector since 5.3); candidate cycles run CPython's
 *     trial deletion on the closure of the candidates, not on the heap. Automatic collection, still
 *     triggered by allocations as in CPython: a collection of generation 0 every {@code threshold0}
 *     tracked allocations and, when enough candidates wait (or a cycle is under way), one budgeted
 *     step of the candidate collector ({@link Gc#setAutoStepBudget}). Generations 1 and 2 are never
 *     collected automatically; {@link Gc#collectStep} runs candidate cycles, and a full pause-bounded
 *     cycle only for the candidates whose closure outgrew {@link Gc#setClosureLimit}. Cost: the
 *     buffering on decref (a flag test in the steady state), and objects examined by a candidate
 *     cycle move to generation 2 (as after a full pause-bounded cycle).</li>
 * </ul>
 * {@link Gc#collect()}, {@code collect(gen)}, freezing and the rest of the {@code gc} face work the same
 * in both modes. See docs/GC.md, "Candidate roots".
 */
public enum CollectionMode {
    /** CPython's generational collector (the default). */
    GENERATIONAL,
    /** Young collections plus the candidate-root collector in budgeted steps; no automatic full collection. */
    LOW_LATENCY
}
