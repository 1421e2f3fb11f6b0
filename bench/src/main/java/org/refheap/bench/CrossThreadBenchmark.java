// Run (from the project root, after `make build` and `cd bench && mvn -B -q package`):
//   one consumer:    java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar CrossThreadBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
//   three consumers: the same with -tg 1,3
//   the owner's latency percentiles: the same with -bm sample
// The machine must have a core per thread for the figures to mean anything (docs/PERFORMANCE.md).
package org.refheap.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.jctools.queues.SpmcArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.refheap.Heap;
import org.refheap.share.SharedRef;

import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * A producer that owns a heap makes messages and hands them to consumers on other threads, which
 * read and release them (issue 10). A message is a tuple {@code (symbol, (qty, price))}: a str and
 * a tuple of an int and a float (a struct cannot be shared yet: docs/THREADS.md). The consumer reads
 * the symbol and, through a reference of its own to the inner tuple, the two numbers, then drops
 * both references: three remote operations per message (the inner tuple's increment, two decrements).
 *
 * <p>Contenders, in the same run, each a JMH thread group (producer + consumers):
 * <ul>
 * <li>{@code refheap}: remote operations through JCTools' {@code MpscUnboundedXaddArrayQueue}, the
 *     consumers' decrements in batches of 64;</li>
 * <li>{@code refheapUnbatched}: the same with each decrement queued at once ({@code -Drefheap.share.batch=1}),
 *     as before batching;</li>
 * <li>{@code refheapAtomicQueue}: JCTools' CAS-based queue without sun.misc.Unsafe;</li>
 * <li>{@code refheapClq}: the same through {@code ConcurrentLinkedQueue} (why the dependency is worth it);</li>
 * <li>{@code nettyAtomicRc}: Netty pooled direct buffers, whose {@code retain}/{@code release} CAS
 *     the count in the object from every thread (AbstractReferenceCountedByteBuf), the same three
 *     count operations per message;</li>
 * <li>{@code jvmObjects}: plain Java objects, no counting at all.</li>
 * </ul>
 * All pass the message through the same JCTools SPMC queue. A producer that finds it full releases
 * the message itself instead of waiting, so its time per operation is its own work;
 * {@code producerAlone} is that work with the release on the owner's thread, the baseline for
 * "the owner's alloc+free under cross-thread release".
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dio.netty.leakDetection.level=disabled", "-Xms1g", "-Xmx1g"})
public class CrossThreadBenchmark {
    static final String[] SYMBOLS = {"IBM", "AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA"};
    static final int CHANNEL = 1 << 14;

    // ================================================================== refheap

    /**
     * The heap is made by the producer's own thread state (JMH runs a Scope.Thread state's setup on
     * the thread that uses it); the channel is the group's. The heap is not closed at the end: a
     * consumer may still be in its last call when the producer's teardown runs, and the fork exits.
     */
    @State(Scope.Thread)
    public static class Owner {
        Heap heap;
        long seq;

        String queue() {
            return "xadd";
        }

        /** Decrements per batch from other threads (docs/THREADS.md); 1 = each queued at once, as before batching. */
        String batch() {
            return "64";
        }

        @Setup(Level.Trial)
        public void open() {
            System.setProperty("refheap.share.queue", queue());
            System.setProperty("refheap.share.batch", batch());
            heap = Heap.create();
            heap.shareAcross(heap.none()).close(); // makes the remote queue now, with the properties set
        }

        /** One message: five objects, the caller's reference to the outer tuple. */
        long make() {
            long i = seq++;
            long sym = heap.newStr(SYMBOLS[(int) (i & 7)]);
            long qty = heap.newInt(1000 + i);
            long px = heap.newFloat(100.0 + (i & 1023) * 0.25);
            long inner = heap.newTuple(qty, px);
            heap.decref(qty);
            heap.decref(px);
            long msg = heap.newTuple(sym, inner);
            heap.decref(sym);
            heap.decref(inner);
            return msg;
        }
    }

    public static class UnbatchedOwner extends Owner {
        @Override
        String batch() {
            return "1";
        }
    }

    public static class AtomicQueueOwner extends Owner {
        @Override
        String queue() {
            return "atomic";
        }
    }

    public static class ClqOwner extends Owner {
        @Override
        String queue() {
            return "clq";
        }
    }

    @State(Scope.Group)
    public static class Channel {
        final Queue<Object> q = new SpmcArrayQueue<>(CHANNEL);
    }

    static long produce(Owner o, Channel c) {
        long msg = o.make();
        SharedRef r = o.heap.handOff(msg);
        if (!c.q.offer(r)) {
            r.close(); // the consumers are behind: released by the owner itself (applied at its next allocation)
        }
        return msg;
    }

    static long consume(Channel c, Control ctl) {
        Object m;
        while ((m = c.q.poll()) == null) {
            if (ctl.stopMeasurement) {
                return 0;
            }
            Thread.yield();
        }
        try (SharedRef r = (SharedRef) m; SharedRef inner = r.item(1)) {
            return r.strAt(0).length() + inner.intAt(0) + (long) inner.floatAt(1);
        }
    }

    @Benchmark
    @Group("refheap")
    @GroupThreads(1)
    public long refheap_producer(Owner o, Channel c) {
        return produce(o, c);
    }

    @Benchmark
    @Group("refheap")
    @GroupThreads(1)
    public long refheap_consumer(Channel c, Control ctl) {
        return consume(c, ctl);
    }

    @Benchmark
    @Group("refheapUnbatched")
    @GroupThreads(1)
    public long refheapUnbatched_producer(UnbatchedOwner o, Channel c) {
        return produce(o, c);
    }

    @Benchmark
    @Group("refheapUnbatched")
    @GroupThreads(1)
    public long refheapUnbatched_consumer(Channel c, Control ctl) {
        return consume(c, ctl);
    }

    @Benchmark
    @Group("refheapAtomicQueue")
    @GroupThreads(1)
    public long refheapAtomicQueue_producer(AtomicQueueOwner o, Channel c) {
        return produce(o, c);
    }

    @Benchmark
    @Group("refheapAtomicQueue")
    @GroupThreads(1)
    public long refheapAtomicQueue_consumer(Channel c, Control ctl) {
        return consume(c, ctl);
    }

    @Benchmark
    @Group("refheapClq")
    @GroupThreads(1)
    public long refheapClq_producer(ClqOwner o, Channel c) {
        return produce(o, c);
    }

    @Benchmark
    @Group("refheapClq")
    @GroupThreads(1)
    public long refheapClq_consumer(Channel c, Control ctl) {
        return consume(c, ctl);
    }

    /** The producer's work with the release on its own thread: the baseline for the ratio. */
    @Benchmark
    public long producerAlone(Owner o) {
        long msg = o.make();
        o.heap.decref(msg);
        return msg;
    }

    // ================================================================== Netty: an atomic count in every object

    @State(Scope.Thread)
    public static class NettyProducer {
        final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        long seq;
    }

    @Benchmark
    @Group("nettyAtomicRc")
    @GroupThreads(1)
    public long nettyAtomicRc_producer(NettyProducer p, Channel c) {
        long i = p.seq++;
        ByteBuf b = p.alloc.directBuffer(64);
        byte[] sym = SYMBOLS[(int) (i & 7)].getBytes(StandardCharsets.US_ASCII);
        b.writeByte(sym.length).writeBytes(sym).writeLong(1000 + i).writeDouble(100.0 + (i & 1023) * 0.25);
        if (!c.q.offer(b)) {
            b.release();
        }
        return i;
    }

    @Benchmark
    @Group("nettyAtomicRc")
    @GroupThreads(1)
    public long nettyAtomicRc_consumer(Channel c, Control ctl) {
        Object m;
        while ((m = c.q.poll()) == null) {
            if (ctl.stopMeasurement) {
                return 0;
            }
            Thread.yield();
        }
        ByteBuf b = (ByteBuf) m;
        b.retain(); // the consumer's reference to the inner part, as refheap's item(1)
        int n = b.getByte(0);
        String sym = b.toString(1, n, StandardCharsets.US_ASCII);
        long v = sym.length() + b.getLong(1 + n) + (long) b.getDouble(9 + n);
        b.release();
        b.release();
        return v;
    }

    // ================================================================== releases alone, no hand-over

    /*
     * The counting mechanisms without the message hand-over: consumers take and drop references to
     * one long-lived object as fast as they can (refheap: dup().close(), two queued operations;
     * Netty: retain() then release(), two CASes on the buffer's count, contended between consumers),
     * while the owner does its own alloc+free (producerAlone's work; refheap's owner also applies
     * the consumers' operations at its allocations). The owner's figure against producerAlone is
     * "the owner's alloc+free under cross-thread release"; the consumers' figures are the release
     * throughputs.
     */

    /** The owner's long-lived shared object, published to the group's consumers once made. */
    @State(Scope.Group)
    public static class Published {
        volatile SharedRef root;
        volatile ByteBuf buf;
    }

    @Benchmark
    @Group("releaseRefheap")
    @GroupThreads(1)
    public long releaseRefheap_owner(Owner o, Published p) {
        if (p.root == null) {
            p.root = o.heap.handOff(o.heap.newStr("long-lived")); // never closed: the fork exits
        }
        long msg = o.make();
        o.heap.decref(msg);
        return msg;
    }

    @Benchmark
    @Group("releaseRefheap")
    @GroupThreads(1)
    public long releaseRefheap_consumer(Published p, Control ctl) {
        SharedRef r;
        while ((r = p.root) == null) {
            if (ctl.stopMeasurement) {
                return 0;
            }
            Thread.yield();
        }
        r.dup().close();
        return 1;
    }

    @Benchmark
    @Group("releaseRefheapUnbatched")
    @GroupThreads(1)
    public long releaseRefheapUnbatched_owner(UnbatchedOwner o, Published p) {
        return releaseRefheap_owner(o, p);
    }

    @Benchmark
    @Group("releaseRefheapUnbatched")
    @GroupThreads(1)
    public long releaseRefheapUnbatched_consumer(Published p, Control ctl) {
        return releaseRefheap_consumer(p, ctl);
    }

    @Benchmark
    @Group("releaseNettyAtomicRc")
    @GroupThreads(1)
    public long releaseNettyAtomicRc_owner(NettyProducer n, Published p) {
        if (p.buf == null) {
            p.buf = n.alloc.directBuffer(64).writeLong(42); // never released: the fork exits
        }
        long i = n.seq++;
        ByteBuf b = n.alloc.directBuffer(64);
        byte[] sym = SYMBOLS[(int) (i & 7)].getBytes(StandardCharsets.US_ASCII);
        b.writeByte(sym.length).writeBytes(sym).writeLong(1000 + i).writeDouble(100.0 + (i & 1023) * 0.25);
        b.release();
        return i;
    }

    @Benchmark
    @Group("releaseNettyAtomicRc")
    @GroupThreads(1)
    public long releaseNettyAtomicRc_consumer(Published p, Control ctl) {
        ByteBuf b;
        while ((b = p.buf) == null) {
            if (ctl.stopMeasurement) {
                return 0;
            }
            Thread.yield();
        }
        b.retain();
        b.release();
        return 1;
    }

    // ================================================================== plain JVM objects, no counting

    record Inner(long qty, double px) {
    }

    record Msg(String sym, Inner inner) {
    }

    @State(Scope.Thread)
    public static class JvmProducer {
        long seq;
    }

    @Benchmark
    @Group("jvmObjects")
    @GroupThreads(1)
    public long jvmObjects_producer(JvmProducer p, Channel c) {
        long i = p.seq++;
        c.q.offer(new Msg(new String(SYMBOLS[(int) (i & 7)].getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
                new Inner(1000 + i, 100.0 + (i & 1023) * 0.25)));
        return i;
    }

    @Benchmark
    @Group("jvmObjects")
    @GroupThreads(1)
    public long jvmObjects_consumer(Channel c, Control ctl) {
        Object m;
        while ((m = c.q.poll()) == null) {
            if (ctl.stopMeasurement) {
                return 0;
            }
            Thread.yield();
        }
        Msg msg = (Msg) m;
        return msg.sym().length() + msg.inner().qty() + (long) msg.inner().px();
    }
}
