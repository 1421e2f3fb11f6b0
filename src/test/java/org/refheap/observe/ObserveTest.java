package org.refheap.observe;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.refheap.GcStats;
import org.refheap.Heap;
import org.refheap.HeapStats;
import org.refheap.IncrementalStats;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JFR events and the MXBean, read from other threads than the heap's. */
class ObserveTest {

    /** Two lists holding each other, both dropped: a cycle only the collector can free. */
    private static void makeCycle(Heap heap) {
        long a = heap.newList();
        long b = heap.newList();
        heap.lists().append(a, b);
        heap.lists().append(b, a);
        heap.decref(a);
        heap.decref(b);
    }

    private static int idOf(Heap heap) {
        Matcher m = Pattern.compile("Heap#(\\d+)").matcher(heap.toString());
        assertTrue(m.find(), heap.toString());
        return Integer.parseInt(m.group(1));
    }

    private static boolean observed(Heap heap) {
        return Arrays.stream(Hooks.states()).anyMatch(s -> s.heap.refersTo(heap));
    }

    @Test
    void shouldRecordCollectionsStepsAndSummaries() throws Exception {
        Path file = Files.createTempFile("refheap", ".jfr");
        int id;
        int steps = 0;
        HeapStats last;
        try (Recording recording = new Recording()) {
            recording.enable(CollectionEvent.NAME);
            recording.enable(HeapSummaryEvent.NAME).withPeriod(Duration.ofMillis(20));
            recording.start();
            try (Heap heap = Heap.create()) {
                id = idOf(heap);
                heap.gc().disable();
                long keep = heap.newList(); // one live object, so that the summary has something to show
                makeCycle(heap);
                assertEquals(2, heap.gc().collect());
                makeCycle(heap);
                makeCycle(heap);
                boolean done = false;
                while (!done) {
                    done = heap.gc().collectStepWork(1);
                    steps++;
                }
                assertTrue(steps >= 3, "steps: " + steps);
                assertTrue(observed(heap));
                last = heap.stats();
                assertEquals(1, last.liveObjects());
                // JFR's periodic thread takes up a hook registered during a recording at its next
                // wake-up (within about a second); then it runs every 20 ms.
                Thread.sleep(1500);
                heap.decref(keep);
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events;
        try {
            events = RecordingFile.readAllEvents(file);
        } finally {
            Files.deleteIfExists(file);
        }
        List<RecordedEvent> collections = events.stream()
                .filter(e -> e.getEventType().getName().equals(CollectionEvent.NAME) && e.getInt("heapId") == id)
                .toList();
        List<RecordedEvent> stw = collections.stream().filter(e -> !e.getBoolean("budgeted")).toList();
        List<RecordedEvent> budgeted = collections.stream().filter(e -> e.getBoolean("budgeted")).toList();

        // One stop-the-world collection; the end of the pause-bounded cycle is not reported as one.
        assertEquals(1, stw.size(), stw.toString());
        RecordedEvent full = stw.getFirst();
        assertEquals(2, full.getInt("generation"));
        assertEquals(2, full.getLong("collected"));
        assertEquals(0, full.getLong("uncollectable"));
        assertTrue(full.getLong("candidates") >= 2);
        assertTrue(full.getDuration("pause").toNanos() > 0);
        assertTrue(full.getDuration().toNanos() > 0, "JFR's duration spans the collection");
        assertNull(full.getString("phase"));
        assertFalse(full.getBoolean("completedCycle"));
        assertEquals(Thread.currentThread().getName(), full.getThread().getJavaName());

        // One event per step, the last completing the cycle that found both new cycles.
        assertEquals(steps, budgeted.size());
        for (int i = 0; i < budgeted.size(); i++) {
            RecordedEvent s = budgeted.get(i);
            boolean lastStep = i == budgeted.size() - 1;
            assertEquals(2, s.getInt("generation"));
            assertEquals(lastStep, s.getBoolean("completedCycle"));
            assertTrue(s.getDuration("pause").toNanos() > 0);
            if (lastStep) {
                assertEquals("idle", s.getString("phase"));
                assertEquals(4, s.getLong("collected"));
                assertTrue(s.getLong("candidates") >= 4, "candidates " + s.getLong("candidates"));
            } else {
                assertTrue(List.of("snapshot", "subtract", "mark", "sweep", "delete").contains(s.getString("phase")),
                        s.getString("phase"));
                assertEquals(0, s.getLong("collected"));
            }
        }

        List<RecordedEvent> summaries = events.stream()
                .filter(e -> e.getEventType().getName().equals(HeapSummaryEvent.NAME) && e.getInt("heapId") == id)
                .toList();
        assertFalse(summaries.isEmpty(), "no refheap.HeapSummary event " + events.stream().map(e -> e.getEventType().getName()).distinct().toList());
        RecordedEvent sum = summaries.getLast();
        assertNotEquals(Thread.currentThread().getName(), sum.getThread() == null ? null
                : sum.getThread().getJavaName());
        assertEquals(last.liveObjects(), sum.getLong("liveObjects"));
        assertEquals(last.bytesInUse(), sum.getLong("bytesInUse"));
        assertEquals(last.peakBytesInUse(), sum.getLong("peakBytesInUse"));
        assertEquals(last.bytesCommitted(), sum.getLong("bytesCommitted"));
        assertEquals(last.arenasInUse(), sum.getInt("arenasInUse"));
        assertTrue(sum.getInstant("publishedAt").toEpochMilli() > 0);
    }

    @Test
    void shouldServeTheMXBeanFromAnotherThreadAndUnregisterOnClose() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ExecutorService jmx = Executors.newSingleThreadExecutor();
        ObjectName name;
        try (Heap heap = Heap.create()) {
            int id = idOf(heap);
            heap.gc().disable();
            makeCycle(heap);
            heap.gc().collect(); // before registration: the MXBean starts from the collector's figures
            name = heap.registerMXBean();
            assertEquals(new ObjectName("org.refheap:type=Heap,id=" + id), name);
            assertEquals(name, heap.registerMXBean(), "registered once");
            assertTrue(server.isRegistered(name));

            long keep = heap.newList();
            heap.lists().append(keep, heap.newStr("a string long enough to need a block of its own"));
            makeCycle(heap);
            heap.gc().collect(0);
            makeCycle(heap);
            while (!heap.gc().collectStepWork(2)) {
                // steps, each publishing the figures
            }
            HeapStats stats = heap.stats();
            List<GcStats> gens = heap.gc().getStats();
            IncrementalStats inc = heap.gc().getIncrementalStats();

            // Read from another thread, through the MBean server, as a JMX client would.
            CompletableFuture<Object[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    RefHeapMXBean proxy = JMX.newMXBeanProxy(server, name, RefHeapMXBean.class);
                    return new Object[] {server.getAttribute(name, "LiveObjects"),
                            server.getAttribute(name, "BytesInUse"), server.getAttribute(name, "PeakBytesInUse"),
                            server.getAttribute(name, "BytesCommitted"), server.getAttribute(name, "ArenasInUse"),
                            server.getAttribute(name, "Collections"), proxy.getTotalPauseNanos(),
                            proxy.getMaxPauseNanos(), proxy.getIncrementalCycles(), proxy.getIncrementalSteps(),
                            proxy.getIncrementalMaxStepNanos(), proxy.getHeapId(), proxy.getCollected(),
                            proxy.getIncrementalCollected(), proxy.getIncrementalTotalStepNanos()};
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, jmx);
            Object[] v = read.get();
            assertEquals(stats.liveObjects(), v[0]);
            assertEquals(2L, v[0]);
            assertEquals(stats.bytesInUse(), v[1]);
            assertEquals(stats.peakBytesInUse(), v[2]);
            assertEquals(stats.bytesCommitted(), v[3]);
            assertEquals(stats.arenasInUse(), v[4]);
            assertArrayEquals(gens.stream().mapToLong(GcStats::collections).toArray(), (long[]) v[5]);
            assertArrayEquals(new long[] {1, 0, 1}, (long[]) v[5]);
            assertArrayEquals(gens.stream().mapToLong(GcStats::totalPauseNanos).toArray(), (long[]) v[6]);
            assertArrayEquals(gens.stream().mapToLong(GcStats::maxPauseNanos).toArray(), (long[]) v[7]);
            assertEquals(inc.cycles(), v[8]);
            assertEquals(1L, v[8]);
            assertEquals(inc.steps(), v[9]);
            assertEquals(inc.maxStepNanos(), v[10]);
            assertEquals(id, v[11]);
            assertArrayEquals(gens.stream().mapToLong(GcStats::collected).toArray(), (long[]) v[12]);
            assertEquals(inc.collected(), v[13]);
            assertEquals(inc.totalNanos(), v[14]);

            // Figures are as of the last collection, step or registerMXBean call.
            long more = heap.newList();
            assertEquals(2L, CompletableFuture.supplyAsync(() -> attr(server, name, "LiveObjects"), jmx).get());
            heap.registerMXBean();
            assertEquals(3L, CompletableFuture.supplyAsync(() -> attr(server, name, "LiveObjects"), jmx).get());
            heap.decref(more);
            heap.decref(keep);

            // The JMX thread itself never calls the heap; were it to, the heap would refuse.
            assertThrows(WrongThreadException.class, () -> {
                try {
                    CompletableFuture.runAsync(heap::registerMXBean, jmx).join();
                } catch (java.util.concurrent.CompletionException e) {
                    throw e.getCause();
                }
            });
        } finally {
            jmx.shutdown();
        }
        assertFalse(server.isRegistered(name), "unregistered on close");
    }

    private static Object attr(MBeanServer server, ObjectName name, String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void shouldNotObserveAHeapNobodyLooksAt() {
        try (Heap heap = Heap.create()) {
            heap.gc().disable();
            makeCycle(heap);
            heap.gc().collect();
            makeCycle(heap);
            while (!heap.gc().collectStepWork(1)) {
                // no recording with refheap events, no MXBean: nothing is kept for this heap
            }
            assertFalse(observed(heap));
        }
    }

    @Test
    void shouldGiveEachHeapItsOwnName() {
        try (Heap a = Heap.create(); Heap b = Heap.create()) {
            ObjectName na = a.registerMXBean();
            ObjectName nb = b.registerMXBean();
            assertNotEquals(na, nb);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            assertTrue(server.isRegistered(na) && server.isRegistered(nb));
            a.close();
            assertFalse(server.isRegistered(na));
            assertTrue(server.isRegistered(nb));
            assertFalse(observed(a));
        }
    }
}
