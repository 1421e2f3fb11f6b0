package org.refheap.demo;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.demo.book.EventStream;
import org.refheap.demo.book.MarketGenerator;
import org.refheap.demo.book.Mode;
import org.refheap.demo.book.ModeResult;
import org.refheap.demo.book.ModeRunner;
import org.refheap.demo.book.RefheapBook;
import org.refheap.demo.book.SvgPlot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order book demo on a small stream: same book in every mode, and the collector is what keeps memory flat. */
class OrderBookDemoTest {
    private static final int EVENTS = 20_000;
    private static final int BURST = 500;
    private static MarketGenerator.Generated generated;
    private static final Map<Mode, ModeResult> results = new EnumMap<>(Mode.class);

    @BeforeAll
    static void runAllModes() {
        generated = MarketGenerator.generate(7, EVENTS);
        ModeRunner runner = new ModeRunner(BURST, 200_000);
        for (Mode m : Mode.values()) {
            results.put(m, runner.run(m, generated.stream()));
        }
    }

    @Test
    void shouldGenerateTheSameStreamFromTheSameSeed() {
        EventStream again = MarketGenerator.generate(7, EVENTS).stream();
        EventStream s = generated.stream();
        for (int i = 0; i < EVENTS; i++) {
            assertEquals(s.kind(i), again.kind(i), "kind of event " + i);
            assertEquals(s.id(i), again.id(i), "id of event " + i);
            assertEquals(s.price(i), again.price(i), "price of event " + i);
        }
        long[] kinds = s.countByKind();
        for (int k = 0; k < kinds.length; k++) {
            assertTrue(kinds[k] > 0, "no event of kind " + k + " in " + EVENTS);
        }
    }

    @Test
    void shouldEndWithTheSameBookInEveryMode() {
        assertTrue(generated.orders() > 100, "the book should not be trivial: " + generated.orders());
        for (ModeResult r : results.values()) {
            assertEquals(generated.checksum(), r.checksum(), "checksum of mode " + r.mode());
            assertEquals(generated.orders(), r.orders(), "orders of mode " + r.mode());
            assertEquals(generated.levels(), r.levels(), "levels of mode " + r.mode());
            assertEquals(EVENTS, r.latency().getTotalCount(), "every event timed in mode " + r.mode());
        }
    }

    @Test
    void shouldNeverPauseInsideABurstWhenCollectingByHandInTheGaps() {
        assertEquals(0, results.get(Mode.MANUAL).pausesInBursts());
        assertEquals(0, results.get(Mode.STEPPED).pausesInBursts());
        assertEquals(0, results.get(Mode.NO_COLLECTION).pauses());
        assertTrue(results.get(Mode.MANUAL).pauses() >= EVENTS / BURST, "a collect() in every gap");
        assertTrue(results.get(Mode.STEPPED).pauses() >= 2 * (EVENTS / BURST), "collect(0) and a step in every gap");
        // With the collector enabled, collections run when allocations pass the threshold: mid-burst.
        assertTrue(results.get(Mode.AUTOMATIC).pausesInBursts() > 0);
    }

    @Test
    void shouldLeaveExactlyTheBookAfterAFullCollectionInEveryRefheapMode() {
        for (ModeResult r : results.values()) {
            if (r.mode().onRefheap()) {
                // orders, levels, their int keys (ids 1..256 are immortal small ints, not counted), 3 dicts
                assertEquals(2 * r.orders() + 2 * r.levels() + 3 - smallIdsInBook(), r.bookObjects());
                assertEquals(r.bookObjects(), r.afterCollect(), "live objects after collect() in mode " + r.mode());
            }
        }
        assertEquals(0, results.get(Mode.MANUAL).garbageAtEnd(), "collect() in the last gap left nothing");
    }

    /** Orders of the final book whose id is an immortal small int (1..256): their keys are not counted. */
    private static long smallIdsInBook() {
        EventStream s = generated.stream();
        java.util.Set<Long> live = new java.util.HashSet<>();
        try (Heap heap = Heap.create()) {
            RefheapBook book = new RefheapBook(heap);
            for (int i = 0; i < s.size(); i++) {
                book.apply(s, i);
            }
            for (long id = 1; id <= 256; id++) {
                if (book.cancel(id)) {
                    live.add(id);
                }
            }
        }
        return live.size();
    }

    @Test
    void shouldLeakOnlyTheWipedLevelsWithoutCollectionAndFreeThemWithIt() {
        // Replayed by hand, to count what the wipes leave: with no collection at all, the garbage is
        // exactly every wiped level with its orders (cancels and fills free by refcount, leaving none).
        EventStream s = generated.stream();
        try (Heap heap = Heap.create()) {
            RefheapBook book = new RefheapBook(heap);
            Gc gc = heap.gc();
            gc.disable();
            long wipedObjects = 0;
            for (int i = 0; i < s.size(); i++) {
                if (s.kind(i) == EventStream.WIPE) {
                    int n = book.wipe(s.side(i), s.price(i));
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
        assertTrue(results.get(Mode.NO_COLLECTION).garbageAtEnd() > 1000);
        assertTrue(results.get(Mode.NO_COLLECTION).peakBytes() > results.get(Mode.MANUAL).peakBytes());
    }

    @Test
    void shouldPlotEveryMode(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("latency.svg");
        SvgPlot.write(svg, "test", List.copyOf(results.values()));
        String text = Files.readString(svg);
        assertTrue(text.startsWith("<svg"));
        assertEquals(Mode.values().length, text.split("<polyline").length - 1);
        assertTrue(text.contains("99.999%"));
    }
}
