package org.refheap;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resident memory falls when objects die: empty arenas go back to the kernel (madvise). */
class ResidentMemoryTest {
    private static final long MIB = 1L << 20;

    @Test
    void shouldGiveMemoryBackWhenObjectsDie() throws IOException {
        try (Heap heap = Heap.create()) {
            StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(
                    JAVA_LONG.withName("a"), JAVA_LONG.withName("b"), ADDRESS.withName("next")));
            StructType.Field next = node.field("next");
            // A first, smaller round lets the JIT compile the loop: before it does, the interpreter
            // leaves Java garbage behind, and the JVM's own heap would grow VmRSS, not refheap.
            heap.decref(chain(heap, node, next, 20 * MIB));
            heap.gc().collect();
            long committed0 = heap.stats().bytesCommitted();
            long rss0 = vmRssBytes();

            // 200 MiB of small objects, linked so that one decref frees them all.
            long head = chain(heap, node, next, 200 * MIB);
            long committedFull = heap.stats().bytesCommitted();
            long rssFull = vmRssBytes();
            assertTrue(committedFull >= 200 * MIB, "committed at peak: " + committedFull);
            assertTrue(rssFull - rss0 >= 150 * MIB, "VmRSS grew by only " + (rssFull - rss0) / MIB + " MiB");

            heap.decref(head);
            long committedAfter = heap.stats().bytesCommitted();
            long rssAfter = vmRssBytes();
            System.out.printf("ResidentMemoryTest: committed %d -> %d -> %d MiB, VmRSS %d -> %d -> %d MiB%n",
                    committed0 / MIB, committedFull / MIB, committedAfter / MIB, rss0 / MIB, rssFull / MIB, rssAfter / MIB);
            assertEquals(0, heap.liveObjects());
            assertEquals(0, heap.bytesInUse());
            assertTrue(committedAfter <= committed0 + 2 * MIB, "committed after free: " + committedAfter / MIB + " MiB");
            assertTrue(rssAfter - rss0 <= 20 * MIB, "VmRSS after free is " + (rssAfter - rss0) / MIB
                    + " MiB above the start");
        }
    }

    /** A chain of nodes holding {@code bytes} of the heap; returns its head (count 1). */
    private static long chain(Heap heap, StructType node, StructType.Field next, long bytes) {
        long head = node.allocate();
        long cur = head;
        while (heap.bytesInUse() < bytes) {
            long n = node.allocate();
            next.setRef(cur, n);
            heap.decref(n);
            cur = n;
        }
        return head;
    }

    static long vmRssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
