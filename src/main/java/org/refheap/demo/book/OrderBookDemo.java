package org.refheap.demo.book;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code make demo}: an order book in refheap, under an HFT-style load, in four ways of collecting.
 * The same seeded event stream runs through each mode; every event is timed; the table shows what
 * each way of collecting costs at the tail, and the checksums show all four books end identical.
 */
public final class OrderBookDemo {
    static final int DEFAULT_EVENTS = 10_000_000;
    static final int DEFAULT_BURST = 500;
    static final long DEFAULT_SEED = 42;
    static final long DEFAULT_BUDGET = 200_000;
    /** The JIT needs about a million events before the collector's rarer paths are compiled too. */
    static final int WARMUP_EVENTS = 1_000_000;
    static final Path OUT = Path.of("target", "demo");

    private OrderBookDemo() {
    }

    /** The command line. */
    record Options(int events, int burst, long seed, List<Mode> modes, long budgetNanos) {
        static Options parse(String[] args) {
            int events = DEFAULT_EVENTS;
            int burst = DEFAULT_BURST;
            long seed = DEFAULT_SEED;
            long budget = DEFAULT_BUDGET;
            List<Mode> modes = List.of(Mode.AUTOMATIC, Mode.MANUAL, Mode.STEPPED, Mode.JVM);
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    return null;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--events" -> events = (int) positive(a, v);
                    case "--burst" -> burst = (int) positive(a, v);
                    case "--seed" -> seed = number(a, v);
                    case "--budget" -> budget = positive(a, v);
                    case "--modes" -> {
                        List<Mode> m = new ArrayList<>();
                        for (String part : v.split(",")) {
                            m.add(Mode.of((int) number(a, part.trim())));
                        }
                        modes = List.copyOf(m);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return new Options(events, burst, seed, modes, budget);
        }

        private static long number(String option, String v) {
            try {
                return Long.parseLong(v.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " expects a number, got '" + v + "'");
            }
        }

        private static long positive(String option, String v) {
            long n = number(option, v);
            if (n <= 0 || n > Integer.MAX_VALUE && !option.equals("--budget")) {
                throw new IllegalArgumentException(option + " must be a positive int: " + v);
            }
            return n;
        }
    }

    static final String USAGE = """
            usage: make demo [DEMO_ARGS="options"]    or    java ... org.refheap.demo.book.OrderBookDemo [options]

              --events N      events in the measured stream (default %,d)
              --burst N       events per burst; an idle gap follows each burst (default %d)
              --seed N        seed of the market generator: same seed, same events (default %d)
              --modes LIST    which modes to run, comma separated (default 1,2,3,4):
                                1  refheap, collector enabled with the default thresholds
                                2  refheap, gc.disable() in bursts, gc.collect() by hand in every idle gap
                                3  refheap, gc.disable() in bursts, gc.collect(0) + gc.collectStep(budget)
                                   once per idle gap (a pause-bounded full collection)
                                4  the same book from plain Java objects on the JVM heap, default JVM GC
                                0  refheap, collector off and never run: shows the garbage wipes leave
              --budget NANOS  time budget of mode 3's collectStep per gap (default %,d ns)
              --help          this text

            Writes target/demo/mode<N>.hgrm (latency distributions, in microseconds) and
            target/demo/latency.svg (all modes' percentile curves). Exits 1 if the modes' books differ.
            """.formatted(DEFAULT_EVENTS, DEFAULT_BURST, DEFAULT_SEED, DEFAULT_BUDGET);

    public static void main(String[] args) throws IOException {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("OrderBookDemo: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.print(USAGE);
            return;
        }
        PrintStream out = System.out;
        out.println("refheap " + org.refheap.Heap.version() + " on Java " + Runtime.version());
        header(out, o);

        long t0 = System.nanoTime();
        MarketGenerator.Generated g = MarketGenerator.generate(o.seed, o.events);
        long[] kinds = g.stream().countByKind();
        out.printf(Locale.ROOT, "Stream: %,d events (%,d adds, %,d cancels, %,d executions, %,d level wipes) in bursts "
                        + "of %d, made in %.1f s;%n        the final book holds %,d orders on %,d levels.%n",
                g.stream().size(), kinds[0], kinds[1], kinds[2], kinds[3], o.burst, (System.nanoTime() - t0) / 1e9,
                g.orders(), g.levels());

        ModeRunner runner = new ModeRunner(o.burst, o.budgetNanos);
        t0 = System.nanoTime();
        int warmEvents = Math.min(WARMUP_EVENTS, o.events);
        EventStream warm = MarketGenerator.generate(o.seed + 1, warmEvents).stream();
        for (Mode m : o.modes) {
            runner.run(m, warm);
        }
        out.printf(Locale.ROOT, "JIT warm-up: each mode ran a separate %,d-event stream first (%.1f s), not measured.%n%n",
                warmEvents, (System.nanoTime() - t0) / 1e9);

        List<ModeResult> results = new ArrayList<>();
        for (Mode m : o.modes) {
            System.gc(); // every mode starts from a clean JVM heap: no leftover from the one before
            t0 = System.nanoTime();
            ModeResult r = runner.run(m, g.stream());
            results.add(r);
            out.printf(Locale.ROOT, "  ran %d. %-30s in %5.1f s%n", m.number, m.label, (System.nanoTime() - t0) / 1e9);
        }
        out.println();
        table(out, results);

        Files.createDirectories(OUT);
        for (ModeResult r : results) {
            try (PrintStream f = new PrintStream(Files.newOutputStream(OUT.resolve("mode" + r.mode().number + ".hgrm")))) {
                r.latency().outputPercentileDistribution(f, 1000.0); // microseconds
            }
        }
        Path svg = OUT.resolve("latency.svg");
        SvgPlot.write(svg, String.format(Locale.ROOT, "Order book: latency per event, %,d events in bursts of %d",
                o.events, o.burst), results);
        out.println();
        out.println("Percentile plot: " + svg.toAbsolutePath());
        out.println("Histograms:      " + OUT.toAbsolutePath() + "/mode<N>.hgrm");

        if (!checksumsAgree(out, results, g.checksum())) {
            System.exit(1);
        }
    }

    private static void header(PrintStream out, Options o) {
        out.println("""
                An order book in refheap
                ========================
                A limit order book under an HFT-style load: bursts of market data (new orders, cancels,
                aggressive orders eating the book level by level, whole levels wiped at once) with idle
                gaps between bursts. Every order and price level is a refheap struct, each side a dict of
                price -> level, plus an id -> order index. Cancels and fills unlink their order, so it is
                freed by its reference count at once. A wiped level is dropped with its queue intact:
                orders and level still point at each other, cyclic garbage that only the collector frees.

                The same events run in each mode; every event is timed on its own (HdrHistogram). The
                idle gaps are not slept through: a gap lasts as long as its work (none in modes 1 and 4).
                  1. collector enabled: it runs when allocations pass its threshold, inside a burst
                  2. gc.disable() during bursts, gc.collect() by hand in each idle gap (the HFT answer)
                  3. gc.disable() during bursts; in each gap gc.collect(0) and one gc.collectStep(%s)
                     of a pause-bounded full collection
                  4. the same book from plain Java objects (HashMap/TreeMap), the JVM's default GC
                """.formatted(Units.nanos(o.budgetNanos)));
    }

    private static void table(PrintStream out, List<ModeResult> results) {
        out.println("Latency per event (ns resolution, 3 significant digits), and throughput inside bursts:");
        out.printf("  %-32s %10s %8s %8s %8s %8s %8s%n", "mode", "events/s", "p50", "p99", "p99.9", "p99.99", "max");
        for (ModeResult r : results) {
            var h = r.latency();
            out.printf("  %-32s %10s %8s %8s %8s %8s %8s%n", name(r),
                    Units.count(r.eventsPerSecond()), Units.nanos(h.getValueAtPercentile(50)),
                    Units.nanos(h.getValueAtPercentile(99)), Units.nanos(h.getValueAtPercentile(99.9)),
                    Units.nanos(h.getValueAtPercentile(99.99)), Units.nanos(h.getMaxValue()));
        }
        out.println();
        out.println("Collector pauses over the whole run (gaps included), and those that fell inside a burst:");
        out.printf("  %-32s %7s %9s %8s %10s %10s%n", "mode", "pauses", "total", "max", "in bursts", "gap time");
        for (ModeResult r : results) {
            out.printf("  %-32s %7d %9s %8s %10d %10s%n", name(r), r.pauses(), Units.nanos(r.pauseNanos()),
                    Units.nanos(r.maxPauseNanos()), r.pausesInBursts(), Units.nanos(r.gapNanos()));
        }
        out.println("  (refheap: every collection and collectStep; JVM: the GC beans' count and time, ms resolution.)");
        out.println();
        out.println("Memory at the end of the stream, and after one more full collection:");
        out.printf("  %-32s %12s %10s %10s %10s | %12s %10s%n", "mode", "live objects", "garbage", "in use", "peak",
                "live objects", "in use");
        for (ModeResult r : results) {
            boolean rh = r.mode().onRefheap();
            out.printf("  %-32s %12s %10s %10s %10s | %12s %10s%n", name(r), rh ? String.format("%,d", r.liveObjects()) : "-",
                    rh ? String.format("%,d", r.garbageAtEnd()) : "-", Units.bytes(r.bytesInUse()),
                    Units.bytes(r.peakBytes()), rh ? String.format("%,d", r.afterCollect()) : "-",
                    Units.bytes(r.bytesAfterCollect()));
        }
        out.println("  (garbage: objects the final book does not need, left for the collector. JVM row: heap used");
        out.println("   above the heap before the run; after a System.gc() that is what its book retains.)");
    }

    private static String name(ModeResult r) {
        return r.mode().number + ". " + r.mode().label;
    }

    /** Prints each mode's checksum; false, and a loud message, if any differs from the generator's model. */
    static boolean checksumsAgree(PrintStream out, List<ModeResult> results, long expected) {
        out.println();
        boolean ok = true;
        for (ModeResult r : results) {
            boolean same = r.checksum() == expected;
            ok &= same;
            out.printf("Book checksum, mode %d: %016x  (%,d orders, %,d levels)%s%n", r.mode().number, r.checksum(),
                    r.orders(), r.levels(), same ? "" : "   <-- DIFFERS");
        }
        if (ok) {
            out.printf("All modes end with the same book as the generator's model (%016x).%n", expected);
        } else {
            System.err.printf("%n*** FAILURE: the books differ (expected %016x from the generator's model). ***%n"
                    + "*** The same events must leave the same book in every mode.                ***%n", expected);
        }
        return ok;
    }
}
