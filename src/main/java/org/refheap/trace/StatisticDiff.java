package org.refheap.trace;

/** A {@link Statistic} of a new snapshot and its difference from an old one ({@link Snapshot#compareTo}). */
public record StatisticDiff(Traceback traceback, long size, long sizeDiff, long count, long countDiff) {
    /** {@code file:42: size=1.2 MiB (+1.2 MiB), count=10000 (+10000), average=128 B}, CPython's form. */
    @Override
    public String toString() {
        String text = traceback + ": size=" + Sizes.format(size, false) + " (" + Sizes.format(sizeDiff, true)
                + "), count=" + count + " (" + (countDiff >= 0 ? "+" : "") + countDiff + ")";
        return count != 0 ? text + ", average=" + Sizes.format((double) size / count, false) : text;
    }
}
