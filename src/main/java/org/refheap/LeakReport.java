package org.refheap;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@link Heap#close()} says about objects still alive ({@code -Drefheap.leakReport}), as Arrow's
 * allocator does when it closes with memory outstanding: {@code off} (the default) says nothing,
 * {@code count} one line with the live objects and bytes, {@code full} that line, the ten most
 * numerous types, and, when tracemalloc traces the heap, the ten allocation sites holding most bytes.
 * Immortal objects (None, small ints, types) are never counted. Closing still frees everything: the
 * report only says what a program forgot to release.
 */
final class LeakReport {
    private static final int TOP = 10;

    private LeakReport() {
    }

    /** Writes the report of {@code heap} (still open) to {@code out} as {@code mode} asks; nothing when clean. */
    static void atClose(Heap heap, String mode, PrintStream out) {
        if ("off".equals(mode)) {
            return;
        }
        long live = heap.liveObjects();
        if (live == 0) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("refheap: heap #").append(heap.id()).append(" closed with ").append(live).append(" live object")
                .append(live == 1 ? "" : "s").append(" (").append(heap.bytesInUse()).append(" bytes in use)");
        if (!"full".equals(mode)) {
            sb.append("; -Drefheap.leakReport=full names their types");
            out.println(sb);
            return;
        }
        List<Map.Entry<String, Long>> types = new ArrayList<>(heap.stats().liveByType().entrySet());
        types.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
                : Long.compare(b.getValue(), a.getValue()));
        sb.append("\n  by type:");
        for (int i = 0; i < Math.min(TOP, types.size()); i++) {
            sb.append("\n    ").append(types.get(i).getKey()).append(": ").append(types.get(i).getValue());
        }
        if (heap.allocationListener() != null) {
            org.refheap.trace.Tracemalloc t = org.refheap.trace.Tracemalloc.of(heap);
            if (t.isTracing()) {
                List<org.refheap.trace.Statistic> sites = t.takeSnapshot().statistics("lineno");
                sb.append("\n  allocated at (tracemalloc):");
                for (int i = 0; i < Math.min(TOP, sites.size()); i++) {
                    sb.append("\n    ").append(sites.get(i));
                }
            }
        } else {
            sb.append("\n  (start tracemalloc, or -Drefheap.tracemalloc=1, to see where they were allocated)");
        }
        out.println(sb);
    }
}
