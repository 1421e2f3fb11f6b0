package org.refheap.demo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.demo.book.Contender;
import org.refheap.demo.book.ContenderRunner;
import org.refheap.demo.book.EventStream;
import org.refheap.demo.book.MarketGenerator;
import org.refheap.demo.book.RefheapBook;
import org.refheap.demo.book.RunResult;
import org.refheap.demo.book.SvgPlot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order book demo on a small venue (two instruments, a load then a mixed stream), every contender
 * run in this JVM: same book in every one, and the collector is what keeps refheap's memory flat.
 */
class OrderBookDemoTest {
    private static final int LIVE = 7_000;
    private static final int EVENTS = 20_000;
    private static final int BURST = 500;
    private static MarketGenerator.Generated generated;
    private static final Map<Contender, RunResult> results = new EnumMap<>(Contender.class);

    @BeforeAll
    static void runAllContenders() {
        generated = MarketGenerator.forLive(7, LIVE, EVENTS);
        // Gaps of 50 us, a collection budget of 20 us: small, so that the test stays quick.
        ContenderRunner runner = new ContenderRunner(BURST, 50_000, 20_000);
        for (Contender c : Contender.values()) {
            results.put(c, runner.run(c, generated.stream()));
        }
    }

    @Test
    void shouldGenerateTheSameStreamFromTheSameSeed() {
        EventStream again = MarketGenerator.forLive(7, LIVE, EVENTS).stream();
        EventStream s = generated.stream();
        assertEquals(2, s.instruments(), "a venue of 7,000 orders has two books of the demo's size");
        assertEquals(LIVE, s.loadEvents());
        assertEquals(LIVE + EVENTS, s.size());
        for (int i = 0; i < s.size(); i++) {
            assertEquals(s.kind(i), again.kind(i), "kind of event " + i);
            assertEquals(s.instrument(i), again.instrument(i), "instrument of event " + i);
            assertEquals(s.id(i), again.id(i), "id of event " + i);
            assertEquals(s.price(i), again.price(i), "price of event " + i);
        }
        long[] kinds = s.countByKind();
        for (int k = 0; k < kinds.length; k++) {
            assertTrue(kinds[k] > 0, "no event of kind " + k + " in " + EVENTS);
        }
    }

    @Test
    void shouldEndWithTheSameBookInEveryContender() {
        assertTrue(generated.orders() > LIVE / 2, "the book should keep its size: " + generated.orders());
        for (RunResult r : results.values()) {
            assertEquals(generated.checksum(), r.checksum(), "checksum of " + r.contender());
            assertEquals(generated.orders(), r.orders(), "orders of " + r.contender());
            assertEquals(generated.levels(), r.levels(), "levels of " + r.contender());
            assertEquals(EVENTS, r.latency().getTotalCount(), "every measured event timed in " + r.contender());
            assertEquals((EVENTS + BURST - 1) / BURST, r.gaps(), "a gap after every burst in " + r.contender());
        }
    }

    @Test
    void shouldNeverPauseInsideABurstWhenCollectingInTheGaps() {
        for (Contender c : List.of(Contender.RH_MANUAL, Contender.RH_STEPPED, Contender.RH_LATENCY, Contender.RH_THREADED)) {
            assertEquals(0, results.get(c).pausesInBursts(), c + " collects only in gaps");
        }
        assertEquals(0, results.get(Contender.RH_OFF).pauses());
        long gaps = results.get(Contender.RH_STEPPED).gaps();
        assertTrue(results.get(Contender.RH_STEPPED).pauses() >= 2 * gaps, "collect(0) and a step in every gap");
        assertTrue(results.get(Contender.RH_LATENCY).pauses() >= gaps, "a step in every gap");
        assertTrue(results.get(Contender.RH_THREADED).pauses() >= 2 * gaps, "the book thread: collect(0) and a step in every gap");
        assertTrue(results.get(Contender.RH_MANUAL).pauses() > 0, "the thresholds call for collections");
        // With the collector enabled, collections run when allocations pass the threshold: mid-burst.
        assertTrue(results.get(Contender.RH_AUTO).pausesInBursts() > 0);
    }

    @Test
    void shouldReportMemoryAndCollectionWorkForEveryContender() {
        for (RunResult r : results.values()) {
            assertTrue(r.rssBytes() > 0 && r.hwmBytes() >= r.rssBytes(), "VmRSS and VmHWM of " + r.contender());
            assertTrue(r.bookBytes() > 0, "the book's bytes of " + r.contender());
            if (r.contender().onRefheap() && r.contender() != Contender.RH_OFF) {
                assertTrue(r.collectionCpuNanos() > 0, "time spent collecting by " + r.contender());
            }
        }
        // Without collection, every wiped level stays, and the full collection at the end frees it. (On a
        // stream this short the others may leave as much: the wiped orders were loaded before the quiet
        // point's collect(), so they are old, and no full cycle comes round in 40 bursts.)
        RunResult off = results.get(Contender.RH_OFF);
        assertTrue(off.garbageObjects() > 1000, "wipes leave cycles: " + off.garbageObjects());
        assertTrue(off.garbageBytes() > 0, "the last collection frees them");
        for (Contender c : Contender.values()) {
            if (c.onRefheap()) {
                assertTrue(results.get(c).garbageObjects() <= off.garbageObjects(), c + " collects, never adds");
            }
        }
    }

    @Test
    void shouldLeakOnlyTheWipedLevelsWithoutCollectionAndFreeThemWithIt() {
        // Replayed by hand, to count what the wipes leave: with no collection at all, the garbage is
        // exactly every wiped level with its orders (cancels and fills free by refcount, leaving none).
        EventStream s = generated.stream();
        try (Heap heap = Heap.create()) {
            RefheapBook book = new RefheapBook(heap, s.instruments());
            Gc gc = heap.gc();
            gc.disable();
            long wipedObjects = 0;
            for (int i = 0; i < s.size(); i++) {
                if (s.kind(i) == EventStream.WIPE) {
                    int n = book.wipe(s.instrument(i), s.side(i), s.price(i));
                    wipedObjects += n + (n > 0 ? 1 : 0);
                } else {
                    book.apply(s, i);
                }
            }
            assertTrue(wipedObjects > 1000, "the stream should wipe levels with orders: " + wipedObjects);
            assertEquals(book.bookObjects() + wipedObjects, heap.liveObjects(), "book + exactly the wiped cycles");
            assertEquals(0, gc.getStats().get(0).collections() + gc.getStats().get(2).collections());

            long found = gc.collect();
            assertEquals(wipedObjects, found, "the collector finds every wiped order and level");
            assertEquals(book.bookObjects(), heap.liveObjects(), "and memory is back to the book alone");
            assertEquals(generated.checksum(), book.checksum());
        }
    }

    @Test
    void shouldPlotEveryContender(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("latency.svg");
        SvgPlot.write(svg, "test", List.copyOf(results.values()));
        String text = Files.readString(svg);
        assertTrue(text.startsWith("<svg"));
        assertEquals(Contender.values().length, text.split("<polyline").length - 1);
        assertTrue(text.contains("99.999%"));
        assertTrue(text.contains(Contender.POOLED.label.replace("&", "&amp;")));

        Path stacked = dir.resolve("stacked.svg");
        List<RunResult> all = List.copyOf(results.values());
        SvgPlot.writeStacked(stacked, List.of("small", "large"), List.of(all, all.subList(0, 3)));
        String both = Files.readString(stacked);
        assertEquals(all.size() + 3, both.split("<polyline").length - 1, "a curve per contender in each panel");
        assertTrue(both.contains(">small<") && both.contains(">large<"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SvgPlot.writeStacked(stacked, List.of("one"), List.of(all, all))).getMessage().contains("1 titles"));
    }
}
