package org.refheap.demo.book;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code make demo}: a venue's order books in refheap and on the JVM heap, under an HFT-style load,
 * at the demo's small size and at scale. For each size one seeded stream is made and written to a
 * file; then every contender replays it in a JVM process of its own, one after the other; every event
 * is timed; the tables show what each way of collecting costs at the tail and in memory, and the
 * checksums show that every book ends identical.
 */
public final class OrderBookDemo {
    /** The small book (one instrument of the original demo's size) and one large venue. */
    static final List<Integer> DEFAULT_LIVE = List.of(MarketGenerator.ORDERS_PER_INSTRUMENT, 1_000_000);
    static final int MIN_EVENTS = 1_000_000;
    static final int DEFAULT_BURST = 500;
    static final long DEFAULT_GAP = 200_000;
    static final long DEFAULT_BUDGET = 150_000;
    static final long DEFAULT_SEED = 42;
    static final int DEFAULT_WARMUP = 100_000;
    static final Path OUT = Path.of("target", "demo");

    private OrderBookDemo() {
    }

    /**
     * The command line. {@code events} 0 means the default for each size: max(1,000,000, live), so a
     * large venue turns its book over.
     */
    record Options(List<Integer> live, int events, int burst, long gapNanos, long budgetNanos, long seed,
            List<Contender> contenders, int warmup, Path out, boolean checksOff) {
        static Options parse(String[] args) {
            List<Integer> live = DEFAULT_LIVE;
            int events = 0;
            int burst = DEFAULT_BURST;
            long gap = DEFAULT_GAP;
            long budget = DEFAULT_BUDGET;
            long seed = DEFAULT_SEED;
            int warmup = DEFAULT_WARMUP;
            Path out = OUT;
            boolean checksOff = false;
            List<Contender> contenders = Contender.defaults();
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
                    case "--live" -> {
                        List<Integer> l = new ArrayList<>();
                        for (String part : v.split(",")) {
                            l.add((int) positive(a, part.trim(), Integer.MAX_VALUE));
                        }
                        live = List.copyOf(l);
                    }
                    case "--events" -> events = (int) positive(a, v, Integer.MAX_VALUE);
                    case "--burst" -> burst = (int) positive(a, v, Integer.MAX_VALUE);
                    case "--gap" -> gap = positive(a, v, Long.MAX_VALUE);
                    case "--budget" -> budget = positive(a, v, Long.MAX_VALUE);
                    case "--seed" -> seed = number(a, v);
                    case "--warmup" -> warmup = (int) Math.min(Integer.MAX_VALUE, nonNegative(a, v));
                    case "--out" -> out = Path.of(v);
                    case "--checks" -> checksOff = switch (v) {
                        case "on" -> false;
                        case "off" -> true;
                        default -> throw new IllegalArgumentException("--checks expects on or off, got '" + v + "'");
                    };
                    case "--contenders" -> {
                        List<Contender> c = new ArrayList<>();
                        for (String part : v.split(",")) {
                            c.add(Contender.of(part.trim()));
                        }
                        contenders = List.copyOf(c);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (int l : live) {
                if (MarketGenerator.instrumentsFor(l) >= Short.MAX_VALUE) {
                    throw new IllegalArgumentException("--live " + l + " is too large: at most about "
                            + (long) MarketGenerator.ORDERS_PER_INSTRUMENT * (Short.MAX_VALUE - 1) + " orders");
                }
            }
            return new Options(live, events, burst, gap, budget, seed, contenders, warmup, out, checksOff);
        }

        /** Measured events for a venue of {@code live} orders. */
        int eventsFor(int live) {
            return events > 0 ? events : Math.max(MIN_EVENTS, live);
        }

        /** 3500, 1_000_000, 1m, 5M, 250k: a number with an optional k/m suffix. */
        static long number(String option, String v) {
            String t = v.replace("_", "").replace(",", "").trim().toLowerCase(Locale.ROOT);
            long scale = 1;
            if (t.endsWith("k")) {
                scale = 1_000;
                t = t.substring(0, t.length() - 1);
            } else if (t.endsWith("m")) {
                scale = 1_000_000;
                t = t.substring(0, t.length() - 1);
            }
            try {
                return Math.multiplyExact(Long.parseLong(t), scale);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException(option + " expects a number (e.g. 5000, 250k, 1m), got '" + v + "'");
            }
        }

        private static long nonNegative(String option, String v) {
            long n = number(option, v);
            if (n < 0) {
                throw new IllegalArgumentException(option + " must not be negative: " + v);
            }
            return n;
        }

        private static long positive(String option, String v, long max) {
            long n = number(option, v);
            if (n <= 0 || n > max) {
                throw new IllegalArgumentException(option + " must be a positive number up to " + max + ": " + v);
            }
            return n;
        }
    }

    static final String USAGE = """
            usage: make demo [DEMO_ARGS="options"]   (make demo-large: --live 5m)
                   java ... org.refheap.demo.book.OrderBookDemo [options]

              --live LIST       resting orders of each venue to run, comma separated; k and m suffixes
                                (default %s). A venue has one instrument per %,d orders, each book the
                                size of the original demo's, and one order-id index across them.
              --events N        measured events per venue (default: max(%,d, live))
              --burst N         events per burst; an idle gap follows each burst (default %d)
              --gap NANOS       length of each idle gap: fixed, like a feed's idle time (default %,d)
              --budget NANOS    refheap's collection budget in a gap (collectStep's; default %,d)
              --seed N          seed of the market generator: same seed, same events (default %d)
              --warmup N        events each contender's process runs first on a small book, to warm the
                                JIT up; not measured (default %,d)
              --contenders LIST which to run, comma separated (default all but rh-off):
            %s
              --out DIR         where results go (default %s)
              --checks on|off   off: refheap's processes run with -Drefheap.disableChecks=true, the
                                per-call validation skipped (default on)
              --help            this text

            Every contender runs in a JVM process of its own, one after the other. Writes per venue size
            DIR/live-<N>/<contender>.hgrm (latency distributions, microseconds), the processes' logs and
            results, DIR/latency-<N>.svg (the percentile curves), DIR/latency.svg (every size, stacked)
            and DIR/results.csv (every figure).
            Exits 1 if the books differ.
            """;

    static String usage() {
        StringBuilder list = new StringBuilder();
        for (Contender c : Contender.values()) {
            list.append(String.format(Locale.ROOT, "                                %-11s %s%n", c.key, c.description));
        }
        return USAGE.formatted("3500,1m", MarketGenerator.ORDERS_PER_INSTRUMENT, MIN_EVENTS, DEFAULT_BURST,
                DEFAULT_GAP, DEFAULT_BUDGET, DEFAULT_SEED, DEFAULT_WARMUP, list.toString().stripTrailing(), OUT);
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("OrderBookDemo: " + e.getMessage());
            System.err.print(usage());
            System.exit(2);
            return;
        }
        if (o == null) {
            System.out.print(usage());
            return;
        }
        PrintStream out = System.out;
        out.println("refheap " + org.refheap.Heap.version() + " on Java " + Runtime.version());
        header(out, o);
        Files.createDirectories(o.out);
        boolean ok = true;
        List<String> csv = new ArrayList<>();
        csv.add(DemoReport.CSV_HEADER);
        List<String> titles = new ArrayList<>();
        List<List<RunResult>> panels = new ArrayList<>();
        for (int live : o.live) {
            List<RunResult> results = new ArrayList<>();
            ok &= runSize(out, o, live, csv, results);
            titles.add(title(o, live));
            panels.add(results);
        }
        Files.write(o.out.resolve("results.csv"), csv);
        Path all = o.out.resolve("latency.svg");
        SvgPlot.writeStacked(all, titles, panels);
        out.println();
        out.println("Every size in one plot: " + all.toAbsolutePath());
        out.println("Every figure:           " + o.out.resolve("results.csv").toAbsolutePath());
        if (!ok) {
            System.exit(1);
        }
    }

    private static String title(Options o, int live) {
        return String.format(Locale.ROOT, "Latency per event: %,d resting orders, %,d events, bursts of %d, gaps of %s",
                live, o.eventsFor(live), o.burst, Units.nanos(o.gapNanos));
    }

    private static boolean runSize(PrintStream out, Options o, int live, List<String> csv, List<RunResult> results)
            throws IOException, InterruptedException {
        int events = o.eventsFor(live);
        Path dir = o.out.resolve("live-" + live);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        MarketGenerator.Generated g = MarketGenerator.forLive(o.seed, live, events);
        Path streamFile = dir.resolve("stream.bin");
        EventStream.write(streamFile, g);
        EventStream s = g.stream();
        long[] kinds = s.countByKind();
        out.printf(Locale.ROOT, "%n=== Venue of %,d resting orders: %,d instrument%s ===%n", live, s.instruments(),
                s.instruments() == 1 ? "" : "s");
        out.printf(Locale.ROOT, "Stream: a load of %,d adds, then %,d measured events (%,d adds, %,d cancels, %,d "
                        + "executions, %,d level wipes);%n        made in %.1f s; the final book holds %,d orders on %,d levels.%n",
                s.loadEvents(), s.size() - s.loadEvents(), kinds[0], kinds[1], kinds[2], kinds[3],
                (System.nanoTime() - t0) / 1e9, g.orders(), g.levels());
        long expected = g.checksum();
        g = null;
        s = null; // the children read the file; this process keeps nothing of the stream
        ContenderProcess.Settings settings = new ContenderProcess.Settings(o.burst, o.gapNanos, o.budgetNanos,
                o.warmup, o.seed, o.checksOff);
        if (o.checksOff) {
            out.println("refheap's processes run with -Drefheap.disableChecks=true (--checks off): no per-call validation.");
        }
        for (Contender c : o.contenders) {
            System.gc();
            t0 = System.nanoTime();
            RunResult r = ContenderProcess.run(c, streamFile, settings, dir);
            results.add(r);
            out.printf(Locale.ROOT, "  ran %-11s %-34s in %5.1f s   %s%n", c.key, c.label, (System.nanoTime() - t0) / 1e9,
                    r.jvm());
            try (PrintStream f = new PrintStream(Files.newOutputStream(dir.resolve(c.key + ".hgrm")))) {
                r.latency().outputPercentileDistribution(f, 1000.0); // microseconds
            }
        }
        Files.deleteIfExists(streamFile); // up to a few hundred MB; made again in seconds
        out.println();
        DemoReport.tables(out, results);
        for (RunResult r : results) {
            csv.add(DemoReport.csvLine(live, r));
        }
        Path svg = o.out.resolve("latency-" + live + ".svg");
        SvgPlot.write(svg, title(o, live), results);
        out.println();
        out.println("Percentile plot: " + svg.toAbsolutePath());
        out.println("Histograms:      " + dir.toAbsolutePath() + "/<contender>.hgrm");
        return DemoReport.checksumsAgree(out, results, expected);
    }

    private static void header(PrintStream out, Options o) {
        StringBuilder list = new StringBuilder();
        for (Contender c : o.contenders) {
            list.append(String.format(Locale.ROOT, "  %-11s %-34s %s%n", c.key, c.label, ContenderProcess.flags(c)));
        }
        out.print("""
                A venue's order books in refheap and on the JVM heap
                ====================================================
                Bursts of market data (new orders, cancels, aggressive orders eating a book level by level,
                whole levels wiped at once), each followed by an idle gap of %s. Every order and price
                level is an object; each instrument has a price -> level map per side; one index maps
                order ids to orders. Cancels and fills unlink their order; a wiped level is dropped with
                its queue intact: orders and level still point at each other, cyclic garbage.

                Each contender replays the same events in a JVM process of its own; every event is timed
                (HdrHistogram). Gaps are time, not work: refheap's collection runs inside them (budget
                %s), and when it overruns, the next burst starts late and its first event carries the
                delay. Contenders (flags of their processes):
                %s""".formatted(Units.nanos(o.gapNanos), Units.nanos(o.budgetNanos), list));
        if (o.contenders.contains(Contender.G1_FIXED) && Contender.FIXED_HEAP_BYTES < (8L << 30)) {
            out.printf(Locale.ROOT, "  (g1-fixed: 8 GiB capped to %s, half this machine's memory)%n",
                    Units.bytes(Contender.FIXED_HEAP_BYTES));
        }
    }
}
