package org.refheap.share;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.refheap.Heap;
import org.refheap.StructOptions;
import org.refheap.StructType;
import org.refheap.WrongTypeException;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Struct fields read-only once published ({@link StructOptions#withReadOnly}): written freely by the
 * owner until the instance is first shared, then frozen on every thread and readable through a
 * {@link SharedRef} on any; mutable fields stay the owner's.
 */
class ReadOnlyStructTest {
    private Heap heap;
    private ExecutorService reader;
    private StructType quote;
    private StructType.Field sym;
    private StructType.Field px;
    private StructType.Field qty;
    private StructType.Field seen;

    @BeforeEach
    void open() {
        heap = Heap.create();
        reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "reader"));
        quote = heap.defineStruct("Quote", MemoryLayout.structLayout(
                ValueLayout.ADDRESS.withName("sym"),
                ValueLayout.JAVA_DOUBLE.withName("px"),
                ValueLayout.JAVA_INT.withName("qty"),
                ValueLayout.JAVA_INT.withName("seen")),
                StructOptions.DEFAULT.withReadOnly("sym", "px", "qty"));
        sym = quote.field("sym");
        px = quote.field("px");
        qty = quote.field("qty");
        seen = quote.field("seen");
    }

    @AfterEach
    void close() {
        reader.shutdownNow();
        heap.close();
    }

    private <T> T onReader(Callable<T> c) throws Exception {
        return reader.submit(() -> {
            try {
                return c.call();
            } finally {
                SharedRef.flushReleases();
            }
        }).get();
    }

    private Throwable thrownOnReader(Callable<?> c) throws Exception {
        return onReader(() -> {
            try {
                c.call();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
    }

    private long newQuote(String s, double p, int q) {
        long obj = quote.allocate();
        long str = heap.newStr(s);
        sym.setRef(obj, str);
        heap.decref(str);
        px.setDouble(obj, p);
        qty.setLong(obj, q);
        seen.setLong(obj, 0);
        return obj;
    }

    @Test
    void shouldReadReadOnlyFieldsOnAnotherThreadThroughASharedRef() throws Exception {
        long q = newQuote("IBM", 101.25, 300);
        assertTrue(quote.hasReadOnlyFields());
        assertFalse(quote.isPublished(q));
        SharedRef r = heap.shareAcross(q);
        assertTrue(quote.isPublished(q), "sharing publishes");
        String read = onReader(() -> {
            try (r; SharedRef s = r.getRef(sym)) {
                return s.strValue() + " " + r.getDouble(px) + " " + r.getLong(qty) + " " + r.typeName();
            }
        });
        assertEquals("IBM 101.25 300 Quote", read);
        assertEquals(0, heap.drainRemote());
        assertEquals(1, heap.getrefcount(q));
        heap.decref(q);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldLetTheOwnerWriteReadOnlyFieldsOnlyUntilPublished() {
        long q = newQuote("MSFT", 1.0, 1);
        qty.setLong(q, 2); // not yet published: the owner may still fill it in
        SharedRef r = heap.handOff(q);
        for (Runnable write : new Runnable[] {() -> qty.setLong(q, 3), () -> px.setDouble(q, 2.0),
                () -> sym.setRef(q, 0)}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, write::run);
            assertTrue(e.getMessage().contains("read-only") && e.getMessage().contains("Quote."), e.getMessage());
        }
        assertEquals(2, qty.getLong(q), "nothing written");
        assertEquals("MSFT", heap.strValue(sym.getRef(q)));
        seen.setLong(q, 7); // a mutable field stays the owner's to write
        assertEquals(7, seen.getLong(q));
        r.close();
        assertEquals(0, heap.drainRemote());
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseEveryFieldAccessOfOtherThreadsOutsideASharedRef() throws Exception {
        long q = newQuote("AAPL", 3.0, 4);
        SharedRef r = heap.shareAcross(q);
        // a mutable field through the handle: refused, and the message says how to share it
        Throwable mutable = thrownOnReader(() -> r.getLong(seen));
        assertInstanceOf(WrongThreadException.class, mutable);
        assertTrue(mutable.getMessage().contains("Quote.seen") && mutable.getMessage().contains("withReadOnly")
                && mutable.getMessage().contains("shareAcross"), mutable.getMessage());
        // the field handles themselves, from the other thread: the owner's only, each message says what to do
        Throwable direct = thrownOnReader(() -> seen.getLong(q));
        assertInstanceOf(WrongThreadException.class, direct);
        assertTrue(direct.getMessage().contains("mutable") && direct.getMessage().contains("withReadOnly"), direct.getMessage());
        Throwable directRo = thrownOnReader(() -> qty.getLong(q));
        assertInstanceOf(WrongThreadException.class, directRo);
        assertTrue(directRo.getMessage().contains("SharedRef"), directRo.getMessage());
        // writes from another thread: refused, read-only or not
        assertInstanceOf(WrongThreadException.class, thrownOnReader(() -> {
            qty.setLong(q, 9);
            return null;
        }));
        assertInstanceOf(WrongThreadException.class, thrownOnReader(() -> {
            seen.setLong(q, 9);
            return null;
        }));
        assertEquals(4, qty.getLong(q));
        // a field of the wrong kind or of another type
        assertInstanceOf(WrongTypeException.class, thrownOnReader(() -> r.getDouble(qty)));
        assertInstanceOf(WrongTypeException.class, thrownOnReader(() -> r.getRef(px)));
        StructType other = heap.defineStruct("Other", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withReadOnly("v"));
        Throwable foreign = thrownOnReader(() -> r.getLong(other.field("v")));
        assertInstanceOf(WrongTypeException.class, foreign);
        assertTrue(foreign.getMessage().contains("does not belong"), foreign.getMessage());
        // a struct field read through a handle on a str
        SharedRef s = heap.shareAcross(sym.getRef(q));
        assertInstanceOf(WrongTypeException.class, thrownOnReader(() -> s.getLong(qty)));
        onReader(() -> {
            r.close();
            s.close();
            return null;
        });
        assertThrows(IllegalStateException.class, () -> r.getLong(qty), "closed handle");
        assertEquals(0, heap.drainRemote());
        heap.decref(q);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldRefuseToShareStructsThatAreNotDeeplyReadOnly() {
        StructType mutableRef = heap.defineStruct("MutRef", MemoryLayout.structLayout(
                ValueLayout.ADDRESS.withName("next"), ValueLayout.JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withReadOnly("v"));
        StructType withFinalizer = heap.defineStruct("Fin", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withReadOnly("v").withFinalizer(o -> { }));
        StructType weak = heap.defineStruct("Weak", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withReadOnly("v").withWeakrefs());
        long a = mutableRef.allocate();
        long b = withFinalizer.allocate();
        long c = weak.allocate();
        assertTrue(msg(a).contains("'next' is mutable"), msg(a));
        assertTrue(msg(b).contains("finalizer"), msg(b));
        assertTrue(msg(c).contains("weak references"), msg(c));
        // a read-only reference to a list, and a tuple holding such a struct
        long list = heap.newList();
        long q = newQuote("X", 1, 1);
        long holder = quote.allocate();
        sym.setRef(holder, list);
        assertTrue(msg(holder).contains("list"), msg(holder));
        long t = heap.newTuple(q, holder);
        assertTrue(msg(t).contains("list"), msg(t));
        assertFalse(quote.isPublished(q), "a refused share publishes nothing");
        assertFalse(quote.isPublished(holder));
        qty.setLong(q, 5); // still writable
        for (long o : new long[] {a, b, c, list, q, holder, t}) {
            heap.decref(o);
        }
        heap.gc().collect();
        assertEquals(0, heap.liveObjects());
    }

    private String msg(long obj) {
        return assertThrows(WrongTypeException.class, () -> heap.shareAcross(obj)).getMessage();
    }

    @Test
    void shouldRefuseUnknownReadOnlyFieldNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> heap.defineStruct("Bad",
                MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("v")), StructOptions.DEFAULT.withReadOnly("w")));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StructOptions.DEFAULT.withReadOnly((String) null));
        assertNull(heap.type("Bad"), "nothing defined");
    }

    @Test
    void shouldPublishEveryStructReachableAndKeepACycleOfThemAliveWhileAReaderHoldsOne() throws Exception {
        StructType node = heap.defineStruct("Node", MemoryLayout.structLayout(
                ValueLayout.ADDRESS.withName("next"), ValueLayout.JAVA_LONG.withName("v")),
                StructOptions.DEFAULT.withReadOnly("next", "v"));
        StructType.Field next = node.field("next");
        StructType.Field v = node.field("v");
        long a = node.allocate();
        long b = node.allocate();
        v.setLong(a, 1);
        v.setLong(b, 2);
        next.setRef(a, b);
        next.setRef(b, a); // a cycle, closed before publication
        SharedRef r = heap.shareAcross(a);
        assertTrue(node.isPublished(b), "b is reachable from a: published with it");
        heap.decref(a);
        heap.decref(b);
        heap.gc().collect();
        assertTrue(heap.isLive(a) && heap.isLive(b), "the reader's handle is an external reference");
        long sum = onReader(() -> {
            long total = 0;
            SharedRef at = r.dup();
            for (int i = 0; i < 5; i++) {
                total += at.getLong(v);
                SharedRef n = at.getRef(next);
                at.close();
                at = n;
            }
            at.close();
            return total;
        });
        assertEquals(1 + 2 + 1 + 2 + 1, sum);
        heap.gc().collect();
        assertTrue(heap.isLive(a));
        onReader(() -> {
            r.close();
            return null;
        });
        heap.gc().collect(); // drains the decrement; the cycle is garbage now
        assertEquals(0, heap.liveObjects());
    }

    /**
     * Readers walk published structs (through read-only references and dups, passing handles to
     * each other) while the owner writes their mutable fields, makes cyclic garbage and collects:
     * every read checks its value, nothing is freed early, and once the readers ended every count is
     * the owner's own again and the heap empties. The seed is printed.
     */
    @Test
    void shouldKeepPublishedStructsIntactUnderConcurrentReadersAndCollections() throws Exception {
        long seed = System.nanoTime();
        System.out.println("ReadOnlyStructTest concurrent seed " + seed);
        Random rnd = new Random(seed);
        int count = 64;
        long[] quotes = new long[count];
        for (int i = 0; i < count; i++) {
            quotes[i] = newQuote("Q" + i, i * 0.5, i);
        }
        List<ConcurrentLinkedQueue<SharedRef>> inbox = new ArrayList<>();
        int readers = 3;
        for (int i = 0; i < readers; i++) {
            inbox.add(new ConcurrentLinkedQueue<>());
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < readers; t++) {
            int me = t;
            long readerSeed = seed * 31 + t;
            Thread th = new Thread(() -> {
                Random r = new Random(readerSeed);
                try {
                    for (int step = 0; step < 20_000; step++) {
                        SharedRef h = inbox.get(me).poll();
                        if (h == null) {
                            Thread.onSpinWait();
                            continue;
                        }
                        int i = (int) h.getLong(qty);
                        if (h.getDouble(px) != i * 0.5) {
                            throw new AssertionError("px of quote " + i + ": " + h.getDouble(px));
                        }
                        try (SharedRef name = h.getRef(sym)) {
                            if (!name.strValue().equals("Q" + i)) {
                                throw new AssertionError("sym of quote " + i + ": " + name.strValue());
                            }
                        }
                        if (r.nextBoolean()) {
                            inbox.get(r.nextInt(readers)).add(h.dup()); // passed on: its increment queued first
                        }
                        h.close();
                    }
                    SharedRef h;
                    while ((h = inbox.get(me).poll()) != null) {
                        h.close();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "struct-reader-" + t);
            threads.add(th);
            th.start();
        }
        for (int step = 0; step < 20_000 && failure.get() == null; step++) {
            int i = rnd.nextInt(count);
            inbox.get(rnd.nextInt(readers)).add(heap.shareAcross(quotes[i]));
            seen.setLong(quotes[i], step); // the mutable field stays the owner's to write
            if (step % 1000 == 0) {
                long a = quote.allocate();
                sym.setRef(a, a); // a self-cycle, garbage at once
                heap.decref(a);
                heap.gc().collect();
            }
        }
        for (Thread th : threads) {
            th.join(60_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("a reader failed (seed " + seed + ")", failure.get());
        }
        for (ConcurrentLinkedQueue<SharedRef> q : inbox) {
            SharedRef h;
            while ((h = q.poll()) != null) {
                h.close(); // handed over after its reader finished: the owner closes it
            }
        }
        assertEquals(0, heap.drainRemote(), "every handle closed, every batch of the ended readers taken");
        heap.gc().collect();
        for (int i = 0; i < count; i++) {
            assertEquals(1, heap.getrefcount(quotes[i]), "quote " + i + " (seed " + seed + ")");
            heap.decref(quotes[i]);
        }
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldLetAThreadThatIsNotTheOwnerMakeNoNewPublication() throws Exception {
        long q = newQuote("Z", 1, 1);
        Throwable t = thrownOnReader(() -> heap.shareAcross(q));
        assertInstanceOf(WrongThreadException.class, t);
        assertFalse(quote.isPublished(q));
        heap.decref(q);
    }
}
