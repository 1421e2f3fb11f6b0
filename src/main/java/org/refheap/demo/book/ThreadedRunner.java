package org.refheap.demo.book;

import org.HdrHistogram.Histogram;
import org.jctools.queues.SpscArrayQueue;
import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.HeapConfig;
import org.refheap.StructOptions;
import org.refheap.StructType;
import org.refheap.alloc.ReleasePolicy;
import org.refheap.share.SharedRef;

import java.lang.foreign.MemoryLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link Contender#RH_THREADED}: the stream crosses a thread, as market data does in a real service
 * (docs/THREADS.md). The <b>feed</b> thread (the caller) owns a heap of its own and decodes each
 * measured event into a message: an instance of the struct {@code Msg} whose fields are all read-only
 * once published ({@link StructOptions#withReadOnly}), stamped with {@code System.nanoTime()} just
 * before it is made. It hands the message over with {@code heap.handOff} through a JCTools
 * {@link SpscArrayQueue}. The <b>book</b> thread owns the book's heap (a {@link RefheapBook}, loaded
 * with the start of day by that thread, as in the single-thread modes): it reads the message's fields
 * through the handle, applies the event to its book, records the latency and closes the handle; the
 * release travels back to the feed in a batch, and the feed's own allocations and gaps apply it.
 *
 * <p>Bursts and gaps follow the single-thread modes' schedule: the feed makes a burst's messages as
 * fast as it decodes them and sends a marker; when the book thread reaches the marker (the burst is
 * applied) it publishes its gathered releases, tells the feed, and runs {@link Contender#RH_STEPPED}'s
 * gap work (a young collection and one budgeted step); the feed's gap of {@code gapNanos} starts then,
 * and the feed applies the released messages in it. Gap work that outlasts the gap delays the next
 * burst's first events, as in the single-thread modes.
 *
 * <p><b>What the latency is</b>: per event, from the feed's stamp (taken before the message is
 * allocated) to the book thread's clock read after the event was applied to the book and its handle
 * closed. It includes making and handing off the message, the queue, the wait behind earlier events
 * of the same burst (the feed makes messages faster than the book applies them, so the k-th event of
 * a burst waits for the k-1 before it), and the book's work.
 */
final class ThreadedRunner {
    private static final Object GAP = new Object();
    private static final Object END = new Object();
    private static final int QUEUE = 1 << 16;

    private final int burst;
    private final long gapNanos;
    private final long budgetNanos;

    ThreadedRunner(int burst, long gapNanos, long budgetNanos) {
        this.burst = burst;
        this.gapNanos = gapNanos;
        this.budgetNanos = budgetNanos;
    }

    /** What the book thread measured and left. */
    private static final class Book {
        /** Gap markers the book thread has reached: the feed starts its gap when the book finished the burst. */
        volatile long gapsReached;
        final Histogram latency = new Histogram(ContenderRunner.HIGHEST_NANOS, 3);
        long busy;
        long gaps;
        long gapWork;
        long overruns;
        long maxOverrun;
        long[] jvmPauses;
        long[] mem;
        long live;
        long bytes;
        long peak;
        long checksum;
        long garbage;
        long garbageBytes;
        long orders;
        long levels;
        long loadNanos;
        ContenderRunner.Pauses pauses;
    }

    RunResult run(EventStream s, JvmGcProbe jvm) throws InterruptedException {
        SpscArrayQueue<Object> q = new SpscArrayQueue<>(QUEUE);
        CountDownLatch loaded = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Book result = new Book();
        try (Heap feed = Heap.create(HeapConfig.defaults().withPreTouchBytes(16L << 20)
                .withReleasePolicy(ReleasePolicy.LATENCY))) {
            StructType msg = feed.defineStruct("Msg", MemoryLayout.structLayout(
                    JAVA_LONG.withName("stamp"), JAVA_LONG.withName("id"), JAVA_INT.withName("price"),
                    JAVA_INT.withName("qty"), JAVA_INT.withName("instrument"), JAVA_INT.withName("kind"),
                    JAVA_INT.withName("side"), JAVA_INT.withName("pad")),
                    StructOptions.DEFAULT.withReadOnly("stamp", "id", "price", "qty", "instrument", "kind", "side"));
            StructType.Field stamp = msg.field("stamp");
            StructType.Field id = msg.field("id");
            StructType.Field price = msg.field("price");
            StructType.Field qty = msg.field("qty");
            StructType.Field instrument = msg.field("instrument");
            StructType.Field kind = msg.field("kind");
            StructType.Field side = msg.field("side");
            feed.gc().disable(); // messages hold no references: nothing for a collector to find
            // the field handles are immutable Java objects; Thread.start hands them over
            StructType.Field[] fields = {stamp, id, price, qty, instrument, kind, side};
            Thread book = new Thread(() -> {
                try {
                    book(s, q, loaded, jvm, fields, result);
                } catch (Throwable t) {
                    failure.set(t);
                    loaded.countDown();
                }
            }, "book");
            book.start();
            loaded.await();
            if (failure.get() == null) {
                int n = s.size();
                long bursts = 0;
                for (int start = s.loadEvents(); start < n && failure.get() == null; start += burst) {
                    int end = Math.min(n, start + burst);
                    for (int i = start; i < end; i++) {
                        long t = System.nanoTime();
                        long m = msg.allocate();
                        stamp.setLong(m, t);
                        id.setLong(m, s.id(i));
                        price.setLong(m, s.price(i));
                        qty.setLong(m, s.qty(i));
                        instrument.setLong(m, s.instrument(i));
                        kind.setLong(m, s.kind(i));
                        side.setLong(m, s.side(i));
                        offer(q, feed.handOff(m), failure);
                    }
                    offer(q, GAP, failure);
                    bursts++;
                    while (result.gapsReached < bursts && failure.get() == null) {
                        Thread.yield(); // the book is still applying the burst (yield: two spinning threads on two shared cores starve it)
                    }
                    long gapEnd = System.nanoTime() + gapNanos;
                    feed.drainRemote(); // the burst's released messages, which the book flushed
                    while (System.nanoTime() < gapEnd) {
                        Thread.yield();
                    }
                }
            }
            offer(q, END, failure);
            book.join();
            if (failure.get() != null) {
                throw new IllegalStateException("the book thread failed", failure.get());
            }
            if (feed.drainRemote() != 0 || feed.liveObjects() != 0) {
                throw new IllegalStateException("rh-threaded: " + feed.liveObjects() + " messages still alive after"
                        + " the book thread released them all and ended");
            }
        }
        Book b = result;
        ContenderRunner.Pauses p = b.pauses;
        return new RunResult(Contender.RH_THREADED, ContenderRunner.jvmDescription(Contender.RH_THREADED), b.latency,
                s.size() - s.loadEvents(), b.busy, b.gaps, b.gapWork, b.overruns, b.maxOverrun, p.count, p.total, p.max,
                p.inBursts, p.total, b.jvmPauses[0], b.mem[0], b.mem[1], b.garbage, b.garbageBytes, b.bytes, b.peak,
                b.checksum, b.orders, b.levels, b.loadNanos);
    }

    /** Waits for room (the book is behind by a whole queue: rare); gives up if the book thread failed. */
    private static void offer(SpscArrayQueue<Object> q, Object o, AtomicReference<Throwable> failure) {
        while (!q.offer(o)) {
            if (failure.get() != null) {
                if (o instanceof SharedRef r) {
                    r.close();
                }
                return;
            }
            Thread.onSpinWait();
        }
    }

    private void book(EventStream s, SpscArrayQueue<Object> q, CountDownLatch loaded, JvmGcProbe jvm,
            StructType.Field[] f, Book out)
            throws Exception {
        HeapConfig config = ContenderRunner.HEAP_CONFIG.withMaxBytes(ContenderRunner.maxBytesFor(s));
        try (Heap heap = Heap.create(config)) {
            RefheapBook book = new RefheapBook(heap, s.instruments());
            Gc gc = heap.gc();
            ContenderRunner.Pauses pauses = new ContenderRunner.Pauses();
            gc.callbacks().add(pauses);
            long t0 = System.nanoTime();
            gc.disable();
            for (int i = 0; i < s.loadEvents(); i++) {
                book.apply(s, i);
            }
            gc.collect();
            out.loadNanos = System.nanoTime() - t0;
            ContenderRunner.GapPolicy policy = ContenderRunner.GapPolicy.of(Contender.RH_STEPPED, heap, budgetNanos);
            jvm.start();
            pauses.measuring = true;
            loaded.countDown();
            boolean firstOfBurst = true;
            long busy = 0;
            long work = 0;
            long gaps = 0;
            long gapWorkEnd = 0;
            while (true) {
                Object o;
                while ((o = q.relaxedPoll()) == null) {
                    Thread.yield(); // returns at once on an idle core; gives a shared one to the feed
                }
                if (o == END) {
                    break;
                }
                if (o == GAP) {
                    pauses.inBurst = false;
                    long g0 = System.nanoTime();
                    SharedRef.flushReleases(); // the burst's releases go back to the feed now
                    out.gapsReached = gaps + 1; // the feed's gap starts now
                    policy.gap(pauses);
                    gapWorkEnd = System.nanoTime();
                    work += gapWorkEnd - g0;
                    gaps++;
                    firstOfBurst = true;
                    continue;
                }
                SharedRef r = (SharedRef) o;
                long start = System.nanoTime();
                long stamp = r.getLong(f[0]);
                if (firstOfBurst) {
                    pauses.inBurst = true;
                    long late = gapWorkEnd - stamp; // the gap's work still ran when the burst began
                    if (late > ContenderRunner.OVERRUN_NANOS) {
                        out.overruns++;
                        out.maxOverrun = Math.max(out.maxOverrun, late);
                    }
                    firstOfBurst = false;
                }
                int instrument = (int) r.getLong(f[4]);
                int side = (int) r.getLong(f[6]);
                switch ((byte) r.getLong(f[5])) {
                    case EventStream.ADD -> book.add(instrument, r.getLong(f[1]), side, r.getLong(f[2]), r.getLong(f[3]));
                    case EventStream.CANCEL -> book.cancel(r.getLong(f[1]));
                    case EventStream.EXECUTE -> book.execute(instrument, side, r.getLong(f[2]), r.getLong(f[3]));
                    case EventStream.WIPE -> book.wipe(instrument, side, r.getLong(f[2]));
                    default -> throw new IllegalStateException("unknown event kind in " + r);
                }
                r.close();
                long t1 = System.nanoTime();
                out.latency.recordValue(Math.min(ContenderRunner.HIGHEST_NANOS, t1 - stamp));
                busy += t1 - start;
            }
            SharedRef.flushReleases();
            pauses.measuring = false;
            out.jvmPauses = jvm.stop();
            out.mem = JvmGcProbe.residentMemory();
            out.busy = busy;
            out.gapWork = work;
            out.gaps = gaps;
            out.live = heap.liveObjects();
            out.bytes = heap.bytesInUse();
            out.peak = heap.stats().peakBytesInUse();
            out.checksum = book.checksum();
            out.garbage = out.live - book.bookObjects();
            gc.callbacks().remove(pauses);
            gc.collect();
            out.garbageBytes = out.bytes - heap.bytesInUse();
            out.bytes = heap.bytesInUse();
            if (heap.liveObjects() != book.bookObjects()) {
                throw new IllegalStateException("rh-threaded: after a full collection the heap holds " + heap.liveObjects()
                        + " objects, but the book needs " + book.bookObjects());
            }
            out.orders = book.orderCount();
            out.levels = book.levelCount();
            out.pauses = pauses;
        }
    }
}
