package org.refheap;

/**
 * Figures of the candidate collector ({@link CollectionMode#LOW_LATENCY}, {@link Gc#collectCandidates},
 * {@link Gc#collectStep} in that mode). Full pause-bounded cycles are in {@link IncrementalStats};
 * young collections in {@link Gc#getStats()} (generations 0 and 1).
 *
 * @param cycles         candidate cycles completed
 * @param steps          steps of candidate cycles (a stop-the-world cycle is one step)
 * @param collected      garbage objects found by completed candidate cycles
 * @param examined       objects examined by completed candidate cycles: roots and their closure
 * @param buffered       candidate roots buffered now
 * @param rootsBuffered  roots ever buffered (each decref that found its container not yet buffered)
 * @param rootsTaken     roots ever taken by a candidate cycle
 * @param undecidedRoots roots whose closure outgrew the closure limit and which survived their cycle
 * @param fullCycleOwed  whether such a root waits for a full cycle now
 * @param lastStepNanos  pause of the last candidate step
 * @param maxStepNanos   longest candidate step pause
 * @param totalNanos     all candidate step pauses together
 */
public record CandidateStats(long cycles, long steps, long collected, long examined, long buffered,
        long rootsBuffered, long rootsTaken, long undecidedRoots, boolean fullCycleOwed, long lastStepNanos,
        long maxStepNanos, long totalNanos) {
}
