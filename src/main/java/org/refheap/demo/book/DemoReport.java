package org.refheap.demo.book;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The demo's tables, its CSV and the checksum verdict. */
final class DemoReport {
    static final String CSV_HEADER = "live,contender,label,jvm,events,events_per_s,p50_ns,p99_ns,p99_9_ns,p99_99_ns,"
            + "max_ns,pauses,pause_total_ns,pause_max_ns,pauses_in_bursts,gaps,gap_overruns,max_overrun_ns,"
            + "collection_cpu_ns,jvm_pauses_in_refheap_process,vm_rss_bytes,vm_hwm_bytes,book_bytes,garbage_bytes,"
            + "garbage_objects,checksum,orders,levels";

    private DemoReport() {
    }

    static void tables(PrintStream out, List<RunResult> results) {
        out.println("Latency per event (3 significant digits), and throughput inside bursts:");
        out.printf("  %-34s %9s %8s %8s %8s %8s %8s%n", "contender", "events/s", "p50", "p99", "p99.9", "p99.99", "max");
        for (RunResult r : results) {
            Histogram h = r.latency();
            out.printf("  %-34s %9s %8s %8s %8s %8s %8s%n", r.contender().label, Units.count(r.eventsPerSecond()),
                    Units.nanos(h.getValueAtPercentile(50)), Units.nanos(h.getValueAtPercentile(99)),
                    Units.nanos(h.getValueAtPercentile(99.9)), Units.nanos(h.getValueAtPercentile(99.99)),
                    Units.nanos(h.getMaxValue()));
        }
        out.println();
        out.println("Collector pauses while measuring, those inside bursts, gaps overrun, and the CPU spent collecting:");
        out.printf("  %-34s %7s %8s %8s %7s %9s %8s %9s %9s%n", "contender", "pauses", "total", "max", "in bursts",
                "overruns", "max late", "coll. CPU", "CPU/event");
        long jvmPausesInRefheap = 0;
        for (RunResult r : results) {
            out.printf(Locale.ROOT, "  %-34s %7d %8s %8s %9d %9s %8s %9s %9s%n", r.contender().label, r.pauses(),
                    Units.nanos(r.pauseNanos()), Units.nanos(r.maxPauseNanos()), r.pausesInBursts(),
                    r.overruns() + "/" + r.gaps(), Units.nanos(r.maxOverrunNanos()),
                    Units.nanos(r.collectionCpuNanos()), Units.nanos(Math.round(r.collectionCpuPerEvent())));
            jvmPausesInRefheap += Math.max(0, r.jvmPauses());
        }
        out.println("  (refheap: every collection and collectStep, on the program's thread; JVM: its collector's");
        out.println("   safepoints and the program thread's allocation stalls, and its collector threads' CPU,");
        out.println("   concurrent work included. overruns: gaps whose burst started more than 1 us late; max late:");
        out.println("   how late a burst started at worst.)");
        if (jvmPausesInRefheap > 0) {
            out.printf("  (the refheap processes' own JVM heaps, which hold the stream, paused %d times meanwhile)%n",
                    jvmPausesInRefheap);
        }
        out.println();
        out.println("Memory: the process at the end of the stream, and what a full collection then finds:");
        out.printf("  %-34s %10s %10s %10s %12s %14s%n", "contender", "VmRSS", "VmHWM", "book", "garbage left",
                "garbage objects");
        for (RunResult r : results) {
            out.printf(Locale.ROOT, "  %-34s %10s %10s %10s %12s %14s%n", r.contender().label, Units.bytes(r.rssBytes()),
                    Units.bytes(r.hwmBytes()), Units.bytes(r.bookBytes()), Units.bytes(r.garbageBytes()),
                    r.garbageObjects() < 0 ? "-" : String.format(Locale.ROOT, "%,d", r.garbageObjects()));
        }
        out.println("  (VmRSS, VmHWM: the process's resident memory and its peak, from /proc/self/status. book: refheap's");
        out.println("   bytes in use after a full collection; JVM: heap used after System.gc(), above the stream's own.");
        out.println("   garbage left: what that collection freed.)");
    }

    static String csvLine(int live, RunResult r) {
        Histogram h = r.latency();
        return String.join(",", Long.toString(live), r.contender().key, '"' + r.contender().label + '"',
                '"' + r.jvm() + '"', Long.toString(r.events()), String.format(Locale.ROOT, "%.0f", r.eventsPerSecond()),
                Long.toString(h.getValueAtPercentile(50)), Long.toString(h.getValueAtPercentile(99)),
                Long.toString(h.getValueAtPercentile(99.9)), Long.toString(h.getValueAtPercentile(99.99)),
                Long.toString(h.getMaxValue()), Long.toString(r.pauses()), Long.toString(r.pauseNanos()),
                Long.toString(r.maxPauseNanos()), Long.toString(r.pausesInBursts()), Long.toString(r.gaps()),
                Long.toString(r.overruns()), Long.toString(r.maxOverrunNanos()), Long.toString(r.collectionCpuNanos()),
                Long.toString(r.jvmPauses()), Long.toString(r.rssBytes()), Long.toString(r.hwmBytes()),
                Long.toString(r.bookBytes()), Long.toString(r.garbageBytes()), Long.toString(r.garbageObjects()),
                String.format("%016x", r.checksum()), Long.toString(r.orders()), Long.toString(r.levels()));
    }

    /** Prints each contender's checksum; false, and a loud message, if any differs from the generator's model. */
    static boolean checksumsAgree(PrintStream out, List<RunResult> results, long expected) {
        out.println();
        boolean ok = true;
        for (RunResult r : results) {
            boolean same = r.checksum() == expected;
            ok &= same;
            out.printf(Locale.ROOT, "Book checksum, %-11s %016x  (%,d orders, %,d levels)%s%n", r.contender().key + ":",
                    r.checksum(), r.orders(), r.levels(), same ? "" : "   <-- DIFFERS");
        }
        if (ok) {
            out.printf("All contenders end with the same book as the generator's model (%016x).%n", expected);
        } else {
            System.err.printf("%n*** FAILURE: the books differ (expected %016x from the generator's model). ***%n"
                    + "*** The same events must leave the same book in every contender.          ***%n", expected);
        }
        return ok;
    }
}
