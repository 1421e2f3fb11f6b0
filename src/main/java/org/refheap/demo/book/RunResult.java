package org.refheap.demo.book;

import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Properties;
import java.util.zip.DataFormatException;

/**
 * What one contender's run measured (the measured stream only: the load and the warm-up are not in
 * it). A child process hands it to the demo as a properties file ({@link #toProperties}).
 *
 * @param contender        who ran
 * @param jvm              the process's JVM flags and collectors, as run
 * @param latency          per-event latency, ns: the event's own processing, plus, for the first event
 *                         of a burst, how late the burst started because the gap before it overran
 * @param events           measured events
 * @param busyNanos        time spent processing events (bursts only)
 * @param gaps             idle gaps (one after every burst)
 * @param gapWorkNanos     time the gaps' collection work took (refheap's collections in gaps)
 * @param overruns         gaps whose work ended more than 1 us past the gap's end
 * @param maxOverrunNanos  the latest a burst started after its gap should have ended
 * @param pauses           collector pauses: refheap's collections and steps, or the JVM's GC safepoints
 * @param pauseNanos       their total
 * @param maxPauseNanos    the longest (-1: unknown)
 * @param pausesInBursts   collector pauses that fell inside a burst, while events waited
 * @param collectionCpuNanos CPU spent collecting: refheap's collections (on the program's thread); for
 *                         the JVM its collector threads' CPU, concurrent work included
 * @param jvmPauses        in a refheap process: the JVM's own GC pauses (its heap holds only the stream)
 * @param rssBytes         VmRSS of the process at the end of the stream
 * @param hwmBytes         VmHWM: the process's peak resident memory
 * @param garbageObjects   refheap: objects alive at the end the book does not need (-1 for the JVM)
 * @param garbageBytes     bytes the full collection after the stream freed: garbage left
 * @param bookBytes        bytes the book holds after that collection (JVM: heap used above the
 *                         stream's own, after System.gc())
 * @param peakBytes        refheap's peak bytes in use (-1 for the JVM)
 * @param checksum         the final book's checksum
 * @param orders           orders in the final book
 * @param levels           levels in the final book
 * @param loadNanos        time the load took (not measured)
 */
public record RunResult(Contender contender, String jvm, Histogram latency, long events, long busyNanos, long gaps,
        long gapWorkNanos, long overruns, long maxOverrunNanos, long pauses, long pauseNanos, long maxPauseNanos,
        long pausesInBursts, long collectionCpuNanos, long jvmPauses, long rssBytes, long hwmBytes,
        long garbageObjects, long garbageBytes, long bookBytes, long peakBytes, long checksum, long orders,
        long levels, long loadNanos) {

    public double eventsPerSecond() {
        return events * 1e9 / busyNanos;
    }

    /** Collection CPU per measured event, ns. */
    public double collectionCpuPerEvent() {
        return collectionCpuNanos / (double) events;
    }

    private static final String[] LONGS = {"events", "busyNanos", "gaps", "gapWorkNanos", "overruns",
        "maxOverrunNanos", "pauses", "pauseNanos", "maxPauseNanos", "pausesInBursts", "collectionCpuNanos",
        "jvmPauses", "rssBytes", "hwmBytes", "garbageObjects", "garbageBytes", "bookBytes", "peakBytes",
        "checksum", "orders", "levels", "loadNanos"};

    private long[] longs() {
        return new long[] {events, busyNanos, gaps, gapWorkNanos, overruns, maxOverrunNanos, pauses, pauseNanos,
            maxPauseNanos, pausesInBursts, collectionCpuNanos, jvmPauses, rssBytes, hwmBytes, garbageObjects,
            garbageBytes, bookBytes, peakBytes, checksum, orders, levels, loadNanos};
    }

    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("contender", contender.key);
        p.setProperty("jvm", jvm);
        long[] v = longs();
        for (int i = 0; i < LONGS.length; i++) {
            p.setProperty(LONGS[i], Long.toString(v[i]));
        }
        ByteBuffer b = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        int n = latency.encodeIntoCompressedByteBuffer(b);
        p.setProperty("latency", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n)));
        return p;
    }

    public static RunResult fromProperties(Properties p) {
        long[] v = new long[LONGS.length];
        for (int i = 0; i < LONGS.length; i++) {
            String s = p.getProperty(LONGS[i]);
            if (s == null) {
                throw new IllegalArgumentException("result without " + LONGS[i] + ": " + p.keySet());
            }
            v[i] = Long.parseLong(s);
        }
        Histogram h;
        try {
            h = Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(p.getProperty("latency"))), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("result with a corrupt latency histogram", e);
        }
        return new RunResult(Contender.of(p.getProperty("contender")), p.getProperty("jvm"), h, v[0], v[1], v[2],
                v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17],
                v[18], v[19], v[20], v[21]);
    }
}
