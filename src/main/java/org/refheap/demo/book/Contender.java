package org.refheap.demo.book;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Who runs the stream: refheap in its ways of collecting, and the JVM with its collectors. Each runs
 * in a process of its own ({@link ContenderMain}), one after the other, so that resident memory, the
 * JIT and the JVM's collector belong to that contender alone; {@link #jvmFlags()} are the flags its
 * process gets, printed with the results.
 */
public enum Contender {
    RH_OFF("rh-off", Kind.REFHEAP, "refheap, collector off", "gc disabled and never run: what the wipes leak"),
    RH_AUTO("rh-auto", Kind.REFHEAP, "refheap, automatic",
            "collector on, CPython's default thresholds 700/10/10: collections run inside bursts"),
    RH_MANUAL("rh-manual", Kind.REFHEAP, "refheap, due collections in gaps",
            "gc disabled in bursts; in each gap the collection the thresholds call for, if any (full ones included)"),
    RH_STEPPED("rh-stepped", Kind.REFHEAP, "refheap, collectStep in gaps",
            "gc disabled in bursts; in each gap gc.collect(0) + one gc.collectStep(budget)"),
    RH_LATENCY("rh-latency", Kind.REFHEAP, "refheap, low-latency mode, steps in gaps",
            "CollectionMode.LOW_LATENCY (candidate roots); gc disabled in bursts; in each gap gc.collect(0) + one"
                    + " gc.collectStep(budget): candidate cycles, a full cycle only when one is owed"),
    RH_LATENCY_AUTO("rh-latency-auto", Kind.REFHEAP, "refheap, low-latency mode, automatic",
            "CollectionMode.LOW_LATENCY with the collector on: young collections and budgeted candidate steps"
                    + " triggered by allocation, as CPython's are; the gaps do nothing"),
    RH_THREADED("rh-threaded", Kind.REFHEAP, "refheap, feed thread -> book thread",
            "a feed thread decodes each event into a read-only struct of its own heap and hands it over through a"
                    + " JCTools SPSC queue; the book thread owns the book (collectStep in gaps, as rh-stepped) and"
                    + " releases the messages; latency from the feed's stamp"),
    G1("g1", Kind.JVM, "JVM objects, G1", "HashMap/TreeMap and plain objects; G1, default heap sizing"),
    G1_FIXED("g1-fixed", Kind.JVM, "JVM objects, G1 fixed heap", "the same, G1 with a fixed heap (-Xms = -Xmx) on transparent huge pages"),
    ZGC("zgc", Kind.JVM, "JVM objects, ZGC", "the same, ZGC (generational), default heap sizing"),
    PARALLEL("parallel", Kind.JVM, "JVM objects, Parallel", "the same, the Parallel collector, default heap sizing"),
    POOLED("pooled", Kind.POOLED, "JVM pooled, primitive maps, G1",
            "pooled orders and levels, open-addressing long->int maps, no allocation in steady state; G1");

    /** What a contender's book is made of. */
    public enum Kind { REFHEAP, JVM, POOLED }

    /** The fixed heap of {@link #G1_FIXED}: 8 GiB, or half the machine's memory when that is less. */
    public static final long FIXED_HEAP_BYTES = fixedHeapBytes();

    public final String key;
    public final Kind kind;
    public final String label;
    public final String description;

    Contender(String key, Kind kind, String label, String description) {
        this.key = key;
        this.kind = kind;
        this.label = label;
        this.description = description;
    }

    public boolean onRefheap() {
        return kind == Kind.REFHEAP;
    }

    /** The default line-up: everything but {@link #RH_OFF}, which only shows the leak. */
    public static List<Contender> defaults() {
        List<Contender> all = new ArrayList<>(List.of(values()));
        all.remove(RH_OFF);
        return List.copyOf(all);
    }

    public static Contender of(String key) {
        for (Contender c : values()) {
            if (c.key.equals(key)) {
                return c;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Contender c : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(c.key);
        }
        throw new IllegalArgumentException("no contender '" + key + "': expected one of " + known);
    }

    /**
     * The JVM flags of this contender's process, beyond --enable-native-access. refheap's processes
     * keep the JVM's defaults: their JVM heap holds only the event stream and the histogram.
     */
    public List<String> jvmFlags() {
        return switch (this) {
            case G1, POOLED -> List.of("-XX:+UseG1GC");
            case G1_FIXED -> List.of("-XX:+UseG1GC", "-Xms" + (FIXED_HEAP_BYTES >> 20) + "m",
                    "-Xmx" + (FIXED_HEAP_BYTES >> 20) + "m", "-XX:+UseTransparentHugePages");
            case ZGC -> List.of("-XX:+UseZGC");
            case PARALLEL -> List.of("-XX:+UseParallelGC");
            default -> List.of();
        };
    }

    private static long fixedHeapBytes() {
        long eight = 8L << 30;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long total = Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                    return Math.min(eight, (total / 2) >> 30 << 30);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: keep 8 GiB
        }
        return eight;
    }
}
