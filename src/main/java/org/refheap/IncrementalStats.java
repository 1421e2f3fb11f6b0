package org.refheap;

/**
 * Figures of the pause-bounded collector ({@link Gc#collectStep}).
 *
 * @param cycles        cycles completed
 * @param steps         steps taken
 * @param collected     garbage objects found by completed cycles
 * @param examined      objects examined by completed cycles
 * @param lastStepNanos pause of the last step
 * @param maxStepNanos  longest step pause
 * @param totalNanos    all step pauses together
 */
public record IncrementalStats(long cycles, long steps, long collected, long examined, long lastStepNanos,
        long maxStepNanos, long totalNanos) {
}
