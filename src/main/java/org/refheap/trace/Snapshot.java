package org.refheap.trace;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The traces of the blocks alive when {@link Tracemalloc#takeSnapshot()} ran: CPython's
 * {@code tracemalloc.Snapshot}. Immutable, and independent of its heap (it may outlive it, and be
 * {@linkplain #dump dumped} and {@linkplain #load loaded}). Taking it allocates only on the Java heap,
 * so unlike CPython's (gh-121120) it never shows up in the next snapshot.
 *
 * <p>A <b>sampled</b> snapshot ({@link Tracemalloc#startSampled}) holds only the sampled blocks; a block
 * of {@code s} bytes was sampled with probability {@code p(s) = 1 - exp(-s / mean)}, so
 * {@link #statistics} and {@link #compareTo} count it {@code 1/p(s)} times, for {@code s/p(s)} bytes:
 * unbiased estimates of the true counts and sizes (Go's {@code scaleHeapSample}).
 */
public final class Snapshot {
    /** The keys of {@link #statistics}: CPython's {@code key_type} strings. */
    public static final String FILENAME = "filename";
    /** Group statistics by file and line ({@code 'lineno'}). */
    public static final String LINENO = "lineno";
    /** Group statistics by the whole traceback ({@code 'traceback'}). */
    public static final String TRACEBACK = "traceback";

    private static final int MAGIC = 0x52485452; // "RHTR"
    private static final int VERSION = 1;

    private final List<Trace> traces;
    private final int tracebackLimit;
    private final long sampleMean;

    /** {@code sampleMean} 0 for an exact snapshot, else the mean bytes between samples. */
    public Snapshot(List<Trace> traces, int tracebackLimit, long sampleMean) {
        if (tracebackLimit < 1 || sampleMean < 0) {
            throw new IllegalArgumentException("tracebackLimit must be >= 1 and sampleMean >= 0, got "
                    + tracebackLimit + " and " + sampleMean);
        }
        this.traces = List.copyOf(traces);
        this.tracebackLimit = tracebackLimit;
        this.sampleMean = sampleMean;
    }

    /** Every trace, in no particular order. */
    public List<Trace> traces() {
        return traces;
    }

    /** The frames each trace kept when the snapshot was taken. @return the traceback limit */
    public int tracebackLimit() {
        return tracebackLimit;
    }

    /** Whether the traces come from sampled tracing (sizes and counts are estimates). @return true if sampled */
    public boolean isSampled() {
        return sampleMean != 0;
    }

    /** The mean bytes between samples, 0 for an exact snapshot. */
    public long sampleMean() {
        return sampleMean;
    }

    /** How many blocks of {@code size} bytes one sampled trace stands for (1 when exact). */
    public double weight(long size) {
        if (sampleMean == 0 || size == 0) {
            return 1;
        }
        return 1 / -Math.expm1(-(double) size / sampleMean);
    }

    /**
     * A snapshot of the traces that pass {@code filters}: those matching at least one inclusive filter
     * (when there is one) and passing every exclusive one. No filters: a copy.
     */
    public Snapshot filterTraces(List<? extends TraceFilter> filters) {
        if (filters == null) {
            throw new IllegalArgumentException("filters must be a list of Filter or DomainFilter, not null");
        }
        List<TraceFilter> include = new ArrayList<>();
        List<TraceFilter> exclude = new ArrayList<>();
        for (TraceFilter f : filters) {
            if (f == null) {
                throw new IllegalArgumentException("filters must not contain null: " + filters);
            }
            (f.inclusive() ? include : exclude).add(f);
        }
        List<Trace> kept = new ArrayList<>();
        for (Trace t : traces) {
            if (passes(include, exclude, t)) {
                kept.add(t);
            }
        }
        return new Snapshot(kept, tracebackLimit, sampleMean);
    }

    private static boolean passes(List<TraceFilter> include, List<TraceFilter> exclude, Trace t) {
        if (!include.isEmpty()) {
            boolean any = false;
            for (TraceFilter f : include) {
                if (f.test(t)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        for (TraceFilter f : exclude) {
            if (!f.test(t)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The blocks grouped by {@code keyType} ({@link #FILENAME}, {@link #LINENO}: the most recent frame;
     * {@link #TRACEBACK}: the whole traceback), biggest first (by size, then count, then traceback,
     * descending, as CPython sorts). {@code cumulative} counts a block under every frame of its
     * traceback (filename and lineno only).
     */
    public List<Statistic> statistics(String keyType, boolean cumulative) {
        List<Statistic> out = new ArrayList<>();
        for (Map.Entry<Traceback, double[]> e : groupBy(keyType, cumulative).entrySet()) {
            out.add(new Statistic(e.getKey(), Math.round(e.getValue()[0]), Math.round(e.getValue()[1])));
        }
        out.sort(Comparator.comparingLong(Statistic::size).thenComparingLong(Statistic::count)
                .thenComparing(Statistic::traceback).reversed());
        return out;
    }

    /** {@code statistics(keyType, false)}. @param keyType {@code filename}, {@code lineno} or {@code traceback} @return the statistics, biggest first */
    public List<Statistic> statistics(String keyType) {
        return statistics(keyType, false);
    }

    /**
     * What changed since {@code old}, grouped as {@link #statistics}; groups only in {@code old} appear
     * with size and count 0. Sorted as CPython sorts it: by |size diff|, size, |count diff|, count and
     * traceback, descending.
     */
    public List<StatisticDiff> compareTo(Snapshot old, String keyType, boolean cumulative) {
        if (old == null) {
            throw new IllegalArgumentException("old snapshot must not be null");
        }
        Map<Traceback, double[]> oldGroup = old.groupBy(keyType, cumulative);
        List<StatisticDiff> out = new ArrayList<>();
        for (Map.Entry<Traceback, double[]> e : groupBy(keyType, cumulative).entrySet()) {
            long size = Math.round(e.getValue()[0]);
            long count = Math.round(e.getValue()[1]);
            double[] prev = oldGroup.remove(e.getKey());
            long oldSize = prev == null ? 0 : Math.round(prev[0]);
            long oldCount = prev == null ? 0 : Math.round(prev[1]);
            out.add(new StatisticDiff(e.getKey(), size, size - oldSize, count, count - oldCount));
        }
        for (Map.Entry<Traceback, double[]> e : oldGroup.entrySet()) {
            out.add(new StatisticDiff(e.getKey(), 0, -Math.round(e.getValue()[0]), 0, -Math.round(e.getValue()[1])));
        }
        out.sort(Comparator.comparingLong((StatisticDiff d) -> Math.abs(d.sizeDiff())).thenComparingLong(StatisticDiff::size)
                .thenComparingLong(d -> Math.abs(d.countDiff())).thenComparingLong(StatisticDiff::count)
                .thenComparing(StatisticDiff::traceback).reversed());
        return out;
    }

    /** {@code compareTo(old, keyType, false)}. @param old the earlier snapshot @param keyType how to group @return the differences, biggest first */
    public List<StatisticDiff> compareTo(Snapshot old, String keyType) {
        return compareTo(old, keyType, false);
    }

    /** Size and count (weighted when sampled) per key, in first-seen order. */
    private Map<Traceback, double[]> groupBy(String keyType, boolean cumulative) {
        if (!FILENAME.equals(keyType) && !LINENO.equals(keyType) && !TRACEBACK.equals(keyType)) {
            throw new IllegalArgumentException("unknown key type '" + keyType + "': expected 'filename', 'lineno'"
                    + " or 'traceback'");
        }
        if (cumulative && TRACEBACK.equals(keyType)) {
            throw new IllegalArgumentException("cumulative mode cannot be used with key type 'traceback'");
        }
        boolean byFile = FILENAME.equals(keyType);
        Map<Traceback, double[]> stats = new LinkedHashMap<>();
        Map<Object, Traceback> keys = new IdentityHashMap<>(); // the traces' tracebacks are mostly shared
        for (Trace t : traces) {
            double w = weight(t.size());
            if (!cumulative) {
                Traceback key = keys.computeIfAbsent(t.traceback(), tb -> keyOf(keyType, byFile, (Traceback) tb));
                add(stats, key, t.size() * w, w);
            } else {
                for (Frame f : t.traceback().frames()) {
                    Traceback key = keys.computeIfAbsent(f,
                            fr -> new Traceback(new Frame[] {byFile ? new Frame(((Frame) fr).filename(), 0) : (Frame) fr}, false));
                    add(stats, key, t.size() * w, w);
                }
            }
        }
        return stats;
    }

    private static Traceback keyOf(String keyType, boolean byFile, Traceback tb) {
        if (TRACEBACK.equals(keyType)) {
            return tb;
        }
        Frame f = tb.mostRecent();
        return new Traceback(new Frame[] {byFile ? new Frame(f.filename(), 0) : f}, false);
    }

    private static void add(Map<Traceback, double[]> stats, Traceback key, double size, double count) {
        double[] acc = stats.get(key);
        if (acc == null) {
            stats.put(key, new double[] {size, count});
        } else {
            acc[0] += size;
            acc[1] += count;
        }
    }

    /**
     * Writes this snapshot to {@code path}: a small binary file (frames, tracebacks and traces each
     * stored once), read back by {@link #load}.
     */
    public void dump(Path path) {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path)))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(tracebackLimit);
            out.writeLong(sampleMean);
            Map<Frame, Integer> frameIds = new HashMap<>();
            Map<Traceback, Integer> tbIds = new LinkedHashMap<>();
            List<Frame> frames = new ArrayList<>();
            for (Trace t : traces) {
                if (tbIds.putIfAbsent(t.traceback(), tbIds.size()) == null) {
                    for (Frame f : t.traceback().frames()) {
                        if (frameIds.putIfAbsent(f, frameIds.size()) == null) {
                            frames.add(f);
                        }
                    }
                }
            }
            out.writeInt(frames.size());
            for (Frame f : frames) {
                out.writeUTF(f.filename());
                out.writeInt(f.lineno());
            }
            out.writeInt(tbIds.size());
            for (Traceback tb : tbIds.keySet()) {
                out.writeInt(tb.size());
                for (Frame f : tb.frames()) {
                    out.writeInt(frameIds.get(f));
                }
            }
            out.writeInt(traces.size());
            for (Trace t : traces) {
                out.writeInt(t.domain());
                out.writeLong(t.size());
                out.writeInt(tbIds.get(t.traceback()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot dump the snapshot to " + path, e);
        }
    }

    /** Reads a snapshot that {@link #dump} wrote. */
    public static Snapshot load(Path path) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
            int magic = in.readInt();
            int version = in.readInt();
            if (magic != MAGIC || version != VERSION) {
                throw new IllegalArgumentException(path + " is not a refheap tracemalloc snapshot (magic 0x"
                        + Integer.toHexString(magic) + ", version " + version + "; expected 0x"
                        + Integer.toHexString(MAGIC) + ", version " + VERSION + ")");
            }
            int limit = in.readInt();
            long mean = in.readLong();
            Frame[] frames = new Frame[in.readInt()];
            for (int i = 0; i < frames.length; i++) {
                frames[i] = new Frame(in.readUTF(), in.readInt());
            }
            Traceback[] tbs = new Traceback[in.readInt()];
            for (int i = 0; i < tbs.length; i++) {
                Frame[] fs = new Frame[in.readInt()];
                for (int j = 0; j < fs.length; j++) {
                    fs[j] = frames[in.readInt()];
                }
                tbs[i] = new Traceback(fs, false);
            }
            int n = in.readInt();
            List<Trace> traces = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                traces.add(new Trace(in.readInt(), in.readLong(), tbs[in.readInt()]));
            }
            return new Snapshot(traces, limit, mean);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load a snapshot from " + path, e);
        }
    }

    @Override
    public String toString() {
        return "Snapshot[" + traces.size() + " traces, traceback limit " + tracebackLimit
                + (sampleMean != 0 ? ", sampled every " + sampleMean + " bytes on average]" : "]");
    }
}
