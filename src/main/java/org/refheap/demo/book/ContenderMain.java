package org.refheap.demo.book;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One contender's process: warms the JIT up on a small stream of its own, reads the stream the demo
 * wrote, runs it ({@link ContenderRunner}) and writes what it measured to a properties file. Started by
 * {@link ContenderProcess}; not meant to be run by hand, though it can be:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp ... org.refheap.demo.book.ContenderMain \
 *     --stream S --contender KEY --burst N --gap NANOS --budget NANOS --warmup N --seed N --result FILE
 *     [--safepoint-log FILE] [--gc-log FILE]</pre>
 */
public final class ContenderMain {
    private ContenderMain() {
    }

    public static void main(String[] args) throws IOException {
        Path stream = null;
        Path result = null;
        Path safepointLog = null;
        Path gcLog = null;
        Contender c = null;
        int burst = 0;
        long gap = 0;
        long budget = 0;
        int warmup = 0;
        long seed = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--stream" -> stream = Path.of(v);
                case "--result" -> result = Path.of(v);
                case "--safepoint-log" -> safepointLog = Path.of(v);
                case "--gc-log" -> gcLog = Path.of(v);
                case "--contender" -> c = Contender.of(v);
                case "--burst" -> burst = Integer.parseInt(v);
                case "--gap" -> gap = Long.parseLong(v);
                case "--budget" -> budget = Long.parseLong(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (stream == null || result == null || c == null || args.length % 2 != 0) {
            throw new IllegalArgumentException("usage: --stream FILE --contender KEY --result FILE [...]");
        }
        ContenderRunner runner = new ContenderRunner(burst, gap, budget);
        long t0 = System.nanoTime();
        if (warmup > 0) {
            runner.run(c, MarketGenerator.generate(seed + 1, warmup).stream());
        }
        long warm = System.nanoTime() - t0;
        MarketGenerator.Generated g = EventStream.read(stream);
        System.gc(); // the warm-up's book is garbage now; start clean
        RunResult r = runner.run(c, g.stream(), safepointLog, gcLog);
        try (OutputStream out = Files.newOutputStream(result)) {
            r.toProperties().store(out, c.label);
        }
        System.out.printf(Locale.ROOT, "%s: warm-up %.1f s, load %.1f s, checksum %016x (expected %016x)%n", c.key,
                warm / 1e9, r.loadNanos() / 1e9, r.checksum(), g.checksum());
    }
}
