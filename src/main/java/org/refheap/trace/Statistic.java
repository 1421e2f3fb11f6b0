package org.refheap.trace;

/**
 * Blocks grouped by one key of a {@link Snapshot}: their total size and count. In a sampled snapshot
 * both are unbiased estimates of the true figures ({@link Snapshot#isSampled()}).
 */
public record Statistic(Traceback traceback, long size, long count) {
    /** {@code file:42: size=1.2 MiB, count=10000, average=128 B}, CPython's form. */
    @Override
    public String toString() {
        String text = traceback + ": size=" + Sizes.format(size, false) + ", count=" + count;
        return count != 0 ? text + ", average=" + Sizes.format((double) size / count, false) : text;
    }
}
