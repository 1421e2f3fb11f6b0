package org.refheap.demo.book;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's child processes: a stream file written and read back, contenders started, results read. */
class ContenderProcessTest {
    @TempDir
    static Path dir;
    private static MarketGenerator.Generated generated;
    private static Path stream;

    @BeforeAll
    static void writeStream() throws IOException {
        generated = MarketGenerator.forLive(11, 4_000, 10_000);
        stream = dir.resolve("stream.bin");
        EventStream.write(stream, generated);
    }

    @Test
    void shouldReadBackTheStreamItWrote() throws IOException {
        MarketGenerator.Generated back = EventStream.read(stream);
        EventStream a = generated.stream();
        EventStream b = back.stream();
        assertEquals(a.size(), b.size());
        assertEquals(a.loadEvents(), b.loadEvents());
        assertEquals(a.instruments(), b.instruments());
        assertEquals(generated.checksum(), back.checksum());
        assertEquals(generated.orders(), back.orders());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.kind(i), b.kind(i));
            assertEquals(a.instrument(i), b.instrument(i));
            assertEquals(a.side(i), b.side(i));
            assertEquals(a.price(i), b.price(i));
            assertEquals(a.qty(i), b.qty(i));
            assertEquals(a.id(i), b.id(i));
        }
        Files.write(dir.resolve("short.bin"), Files.readAllBytes(stream), java.nio.file.StandardOpenOption.CREATE);
        Files.write(dir.resolve("short.bin"), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> EventStream.read(dir.resolve("short.bin"))).getMessage().contains("expected"));
    }

    @Test
    void shouldRunContendersInTheirOwnProcessesAndReport() throws Exception {
        ContenderProcess.Settings settings = new ContenderProcess.Settings(500, 50_000, 20_000, 2_000, 11, false);
        for (Contender c : List.of(Contender.RH_STEPPED, Contender.ZGC, Contender.POOLED)) {
            RunResult r = ContenderProcess.run(c, stream, settings, dir);
            assertEquals(c, r.contender());
            assertEquals(generated.checksum(), r.checksum(), "checksum of " + c);
            assertEquals(10_000, r.events());
            assertEquals(10_000, r.latency().getTotalCount());
            assertTrue(r.rssBytes() > 0 && r.hwmBytes() >= r.rssBytes(), "resident memory of " + c);
            assertTrue(r.pauses() >= 0 && r.collectionCpuNanos() >= 0);
            assertTrue(Files.exists(dir.resolve(c.key + ".safepoints.log")), "the safepoint log of " + c);
            assertTrue(Files.exists(dir.resolve(c.key + ".gc.log")), "the gc log of " + c);
            for (String flag : c.jvmFlags()) {
                assertTrue(r.jvm().contains(flag), c + " ran with " + flag + ": " + r.jvm());
            }
            if (c == Contender.ZGC) {
                assertTrue(r.jvm().contains("ZGC Major Pauses"), "the process's collector is ZGC: " + r.jvm());
            }
        }
    }

    @Test
    void shouldCountTheCollectorsSafepointsAndThisThreadsStallsOnlySinceMeasuringBegan() throws IOException {
        Path safepoints = dir.resolve("probe.safepoints.log");
        Path gc = dir.resolve("probe.gc.log");
        String me = Thread.currentThread().getName();
        Files.writeString(safepoints, "Safepoint \"G1CollectForAllocation\", Time since last: 1 ns, Total: 999000 ns\n");
        Files.writeString(gc, "[1.0s] Allocation Stall (" + me + ") 9.000ms\n");
        JvmGcProbe probe = new JvmGcProbe(safepoints, gc);
        probe.start(); // what the logs hold so far is before the window
        Files.writeString(safepoints, String.join("\n",
                "Safepoint \"G1CollectForAllocation\", Time since last: 5 ns, Reaching safepoint: 1 ns, Total: 5000 ns",
                "Safepoint \"Cleanup\", Time since last: 5 ns, Total: 777000 ns",
                "Safepoint \"ZMarkEndYoung\", Time since last: 5 ns, Total: 20000 ns", ""),
                java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(gc, "[2.0s] Allocation Stall (" + me + ") 1.500ms\n[2.1s] Allocation Stall (other) 2.000ms\n",
                java.nio.file.StandardOpenOption.APPEND);
        long[] p = probe.stop();
        assertEquals(3, p[0], "two collector safepoints and one stall of this thread; not Cleanup, not other threads");
        assertEquals(5_000 + 20_000 + 1_500_000, p[1]);
        assertEquals(1_500_000, p[2]);
    }

    @Test
    void shouldCarryAResultThroughItsPropertiesUnchanged() {
        RunResult r = new ContenderRunner(500, 10_000, 5_000).run(Contender.RH_LATENCY, generated.stream());
        RunResult back = RunResult.fromProperties(r.toProperties());
        assertEquals(r.contender(), back.contender());
        assertEquals(r.checksum(), back.checksum());
        assertEquals(r.pauses(), back.pauses());
        assertEquals(r.garbageObjects(), back.garbageObjects());
        assertEquals(r.latency().getTotalCount(), back.latency().getTotalCount());
        assertEquals(r.latency().getValueAtPercentile(99.9), back.latency().getValueAtPercentile(99.9));
        assertEquals(r.latency().getMaxValue(), back.latency().getMaxValue());
    }
}
