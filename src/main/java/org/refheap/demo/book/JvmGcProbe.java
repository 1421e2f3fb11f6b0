package org.refheap.demo.book;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the JVM's own collector did while the stream was measured, in this process.
 *
 * <ul>
 *   <li>Pauses: the safepoints of collector operations in the log the process was started with
 *       ({@code -Xlog:safepoint=info:file=...}), read from the offset the log had when measuring began:
 *       every stop of the world, with its own duration in ns (ZGC's short pauses included); and the
 *       allocation stalls of the measuring thread in the gc log ({@code -Xlog:gc=info:file=...}):
 *       ZGC making the program wait for memory is no safepoint, but it stops the program as one
 *       does. Without logs (a run inside a test's JVM), the GarbageCollectorMXBeans' count and time
 *       (ms resolution, no maximum).</li>
 *   <li>Pauses inside bursts: the pause beans' collection count read around each burst (ZGC's
 *       "Cycles" beans are concurrent, so only its "Pauses" beans count).</li>
 *   <li>Collection CPU: the CPU time of the collector's threads (GC Thread#n, G1 *, Z*, and the VM
 *       Thread that runs every safepoint operation) from {@code /proc/self/task/}{@code <tid>/schedstat}
 *       (ns), concurrent work included.</li>
 * </ul>
 */
final class JvmGcProbe {
    /** Safepoint operations that are the collector's: G1*, Z*, Parallel*, Serial ones and the generic ones. */
    private static final Pattern GC_OPERATION = Pattern.compile(
            "Safepoint \"((?:G1|Z|Parallel|Serial|GenCollect|CollectFor|GC_|HeapDumper)[A-Za-z0-9_]*)\".*?Total: (\\d+) ns");
    /** A thread made to wait for memory (ZGC): "Allocation Stall (main) 14.343ms". */
    private static final Pattern STALL = Pattern.compile("Allocation Stall \\((.+?)\\) ([0-9.]+)ms");
    private static final Path TASKS = Path.of("/proc/self/task");

    private final Path safepointLog;
    private final Path gcLog;
    private final String thread = Thread.currentThread().getName();
    private long gcLogOffset;
    private final List<GarbageCollectorMXBean> pauseBeans;
    private long logOffset;
    private long beanCount0;
    private long beanMillis0;
    private long cpu0;

    JvmGcProbe(Path safepointLog, Path gcLog) {
        this.safepointLog = safepointLog;
        this.gcLog = gcLog;
        this.pauseBeans = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(b -> !b.getName().contains("Cycles")).toList();
    }

    /** The collectors of this JVM, as its beans name them. */
    static String collectorNames() {
        StringBuilder s = new StringBuilder();
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            s.append(s.isEmpty() ? "" : ", ").append(b.getName());
        }
        return s.toString();
    }

    void start() throws IOException {
        logOffset = safepointLog == null ? 0 : Files.size(safepointLog);
        gcLogOffset = gcLog == null || !Files.exists(gcLog) ? 0 : Files.size(gcLog);
        beanCount0 = pauseCount();
        beanMillis0 = pauseMillis();
        cpu0 = collectorCpuNanos();
    }

    /** Collector pauses so far, by the beans: read around each burst. */
    long pauseCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : pauseBeans) {
            n += Math.max(0, b.getCollectionCount());
        }
        return n;
    }

    private long pauseMillis() {
        long n = 0;
        for (GarbageCollectorMXBean b : pauseBeans) {
            n += Math.max(0, b.getCollectionTime());
        }
        return n;
    }

    /** Pauses since {@link #start}: {count, total ns, max ns (-1 if unknown)}, and the collector threads' CPU. */
    long[] stop() throws IOException {
        long cpu = collectorCpuNanos() - cpu0;
        if (safepointLog == null) {
            return new long[] {pauseCount() - beanCount0, (pauseMillis() - beanMillis0) * 1_000_000, -1, cpu};
        }
        long count = 0;
        long total = 0;
        long max = 0;
        Matcher m = GC_OPERATION.matcher(readFrom(safepointLog, logOffset));
        while (m.find()) {
            long ns = Long.parseLong(m.group(2));
            count++;
            total += ns;
            max = Math.max(max, ns);
        }
        if (gcLog != null && Files.exists(gcLog)) {
            m = STALL.matcher(readFrom(gcLog, gcLogOffset));
            while (m.find()) {
                if (m.group(1).equals(thread)) {
                    long ns = Math.round(Double.parseDouble(m.group(2)) * 1e6);
                    count++;
                    total += ns;
                    max = Math.max(max, ns);
                }
            }
        }
        return new long[] {count, total, max, cpu};
    }

    /** What the log holds past {@code offset}. */
    private static String readFrom(Path log, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long n = f.length() - offset;
            byte[] b = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, n))];
            f.seek(offset);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** CPU time of the collector's threads, ns; 0 where /proc is not there. */
    static long collectorCpuNanos() {
        if (!Files.isDirectory(TASKS)) {
            return 0;
        }
        long ns = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path t : tasks) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("Z")
                            || name.equals("VM Thread")) {
                        String stat = Files.readString(t.resolve("schedstat")).trim();
                        ns += Long.parseLong(stat.substring(0, stat.indexOf(' ')));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ns;
    }

    /** {VmRSS, VmHWM} of this process in bytes, from /proc/self/status; -1 each where unknown. */
    static long[] residentMemory() {
        long rss = -1;
        long hwm = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                } else if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new long[] {rss, hwm};
    }
}
