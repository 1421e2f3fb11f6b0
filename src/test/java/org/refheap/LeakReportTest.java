package org.refheap;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code -Drefheap.leakReport}: what closing a heap says about the objects a program forgot. */
class LeakReportTest {

    private static String report(Heap heap, String mode) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LeakReport.atClose(heap, mode, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldSayNothingWhenOffOrWhenNothingIsLeft() {
        try (Heap heap = Heap.create()) {
            long l = heap.newList();
            assertEquals("", report(heap, "off"));
            heap.decref(l);
            assertEquals("", report(heap, "count"));
            assertEquals("", report(heap, "full"));
        }
    }

    @Test
    void shouldCountWhatIsLeftAndNameItsTypesAndSites() {
        try (Heap heap = Heap.create()) {
            org.refheap.trace.Tracemalloc.of(heap).start(1);
            heap.newList();
            heap.newList();
            heap.newStr("forgotten");
            String count = report(heap, "count");
            assertTrue(count.startsWith("refheap: heap #" + heap.id() + " closed with 3 live objects"), count);
            assertEquals(1, count.strip().lines().count(), count);
            String full = report(heap, "full");
            assertTrue(full.contains("list: 2") && full.contains("str: 1"), full);
            assertTrue(full.indexOf("list: 2") < full.indexOf("str: 1"), "most numerous first: " + full);
            assertTrue(full.contains("LeakReportTest.java"), "the allocation sites: " + full);
        }
    }

    /** The setting is read once, so a JVM of its own: closing a heap with a leak prints the line. */
    @Test
    void shouldReportAtCloseWhenTheSettingAsks() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Drefheap.leakReport=count",
                "-cp", System.getProperty("java.class.path"), LeakReportProbe.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "probe did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("closed with 1 live object (") && out.contains("closed cleanly"), out);
    }
}
