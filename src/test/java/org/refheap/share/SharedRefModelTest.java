package org.refheap.share;

import org.junit.jupiter.api.Test;
import org.refheap.Heap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Several reader threads take, pass around and drop references to objects the owner publishes,
 * while the owner allocates, mutates a list, makes cyclic garbage, collects (full and pause-bounded)
 * and drains. Readers check every object they read against what the owner made (value, then a
 * checksum of the whole structure), so an object freed early and its block reused shows up as a
 * wrong value or a {@code UseAfterFreeException}. At the end, once every reader let go and the owner
 * drained, every count the owner can account for equals the model's (its own references plus the
 * list's), every tuple item is held by its tuple alone, and after the owner drops its references
 * the heap is empty.
 *
 * <p>Replay with {@code -Drefheap.seed=<printed seed>} (thread interleavings differ between runs:
 * a seed replays the owner's program, not the schedule); {@code -Drefheap.stress=true} (make
 * stress) runs many more and longer programs.
 */
class SharedRefModelTest {
    static final boolean STRESS = Boolean.getBoolean("refheap.stress");
    static final Long SEED = Long.getLong("refheap.seed");
    static final int PROGRAMS = Integer.getInteger("refheap.programs", STRESS ? 200 : 12);
    static final int STEPS = STRESS ? 20_000 : 3_000;
    static final int READERS = 3;

    /** Expected contents: Long, Boolean, Double, String, Bytes, NONE, or a List of those (a tuple). */
    record Bytes(String hex) {
    }

    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A handle and what it must read as. */
    record Msg(SharedRef ref, Object expected) {
    }

    /** What the owner holds of one object: its own references and the list's. */
    static final class Owned {
        final Object expected;
        int ownerRefs = 1;
        int listSlots;

        Owned(Object expected) {
            this.expected = expected;
        }
    }

    @Test
    void shouldNeverFreeWhatReadersHoldAndEndWithExactCounts() throws Exception {
        long base = SEED != null ? SEED : System.nanoTime();
        int programs = SEED != null ? 1 : PROGRAMS;
        System.out.println("SharedRefModelTest: " + programs + " programs from seed " + base
                + " (replay one with -Drefheap.seed=<seed>)");
        for (int p = 0; p < programs; p++) {
            long seed = base + p;
            try {
                new Program(seed).run();
            } catch (Throwable t) {
                throw new AssertionError("program with seed " + seed + " failed: " + t, t);
            }
        }
    }

    static final class Program {
        final long seed;
        final Random rnd;
        final Heap heap = Heap.create();
        final Map<Long, Owned> owned = new HashMap<>();
        final List<Long> ownedList = new ArrayList<>();
        final long box;
        final List<Long> boxModel = new ArrayList<>();
        final List<ConcurrentLinkedQueue<Msg>> inboxes = new ArrayList<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong reads = new AtomicLong();
        volatile boolean stopPassing;
        volatile boolean finish;
        final CountDownLatch stoppedPassing = new CountDownLatch(READERS);

        Program(long seed) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.box = heap.newList();
        }

        void run() throws Exception {
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                inboxes.add(new ConcurrentLinkedQueue<>());
            }
            for (int i = 0; i < READERS; i++) {
                int me = i;
                long readerSeed = seed * 31 + i;
                Thread t = new Thread(() -> read(me, new Random(readerSeed)), "reader-" + i);
                t.setDaemon(true);
                readers.add(t);
                t.start();
            }
            try {
                for (int step = 0; step < STEPS && failure.get() == null; step++) {
                    step();
                }
            } finally {
                stopPassing = true;
                boolean acked = stoppedPassing.await(60, TimeUnit.SECONDS);
                finish = true;
                for (Thread t : readers) {
                    t.join(60_000);
                }
                if (failure.get() != null) {
                    heap.close();
                    throw new AssertionError("a reader failed", failure.get());
                }
                assertTrue(acked, "readers did not stop passing");
            }
            assertEquals(0, heap.drainRemote(), "every shared reference was closed");
            for (Map.Entry<Long, Owned> e : owned.entrySet()) {
                long obj = e.getKey();
                Owned o = e.getValue();
                if (!heap.isImmortal(obj)) {
                    assertEquals(o.ownerRefs + o.listSlots, heap.getrefcount(obj), "count of " + o.expected);
                }
                checkItemsHeldOnce(obj);
            }
            heap.verify();
            heap.lists().clear(box);
            heap.decref(box);
            for (Map.Entry<Long, Owned> e : owned.entrySet()) {
                for (int i = 0; i < e.getValue().ownerRefs; i++) {
                    heap.decref(e.getKey());
                }
            }
            heap.gc().collect();
            assertEquals(0, heap.liveObjects(), "the heap is empty once everyone let go: " + heap.stats());
            assertTrue(reads.get() > 0, "the readers read nothing");
            heap.close();
        }

        /** Items are made for their tuple alone, so each mortal one is held by it once. */
        private void checkItemsHeldOnce(long obj) {
            if (!heap.typeOf(obj).name().equals("tuple")) {
                return;
            }
            for (long i = 0; i < heap.tuples().size(obj); i++) {
                long item = heap.tuples().get(obj, i);
                if (!heap.isImmortal(item)) {
                    assertEquals(1, heap.getrefcount(item), "item " + i + " of a tuple");
                }
                checkItemsHeldOnce(item);
            }
        }

        // ============================================================== the owner

        void step() {
            int r = rnd.nextInt(100);
            if (r < 30 || owned.isEmpty()) {
                Object[] made = new Object[1];
                long obj = make(2, made);
                Owned o = owned.get(obj);
                if (o != null) {
                    o.ownerRefs++; // an immortal made again
                } else {
                    owned.put(obj, new Owned(made[0]));
                    ownedList.add(obj);
                }
            } else if (r < 55) {
                long obj = pick();
                Owned o = owned.get(obj);
                boolean handOff = o.ownerRefs > 0 && rnd.nextBoolean(); // the list's reference is not the owner's to give
                SharedRef ref = handOff ? heap.handOff(obj) : heap.shareAcross(obj);
                if (handOff) {
                    dropOwnerRef(obj, o, false);
                }
                inboxes.get(rnd.nextInt(READERS)).add(new Msg(ref, o.expected));
            } else if (r < 65) {
                long obj = pick();
                heap.lists().append(box, obj);
                boxModel.add(obj);
                owned.get(obj).listSlots++;
            } else if (r < 72 && !boxModel.isEmpty()) {
                int i = rnd.nextInt(boxModel.size());
                long obj = heap.lists().pop(box, i);
                assertEquals((long) boxModel.remove(i), obj);
                Owned o = owned.get(obj);
                o.listSlots--;
                o.ownerRefs++; // pop hands the list's reference over
                dropOwnerRef(obj, o, true);
            } else if (r < 85) {
                long obj = pick();
                if (owned.get(obj).ownerRefs > 0) {
                    dropOwnerRef(obj, owned.get(obj), true);
                }
            } else if (r < 90) {
                long obj = pick();
                heap.incref(obj);
                owned.get(obj).ownerRefs++;
            } else if (r < 94) {
                long l = heap.newList(); // cyclic garbage for the collector
                heap.lists().append(l, l);
                heap.decref(l);
            } else if (r < 96) {
                heap.gc().collect(rnd.nextInt(3));
            } else if (r < 97) {
                heap.gc().collectStepWork(1 + rnd.nextInt(50));
            } else {
                long open = heap.drainRemote();
                assertTrue(open >= 0, "open " + open);
                for (Map.Entry<Long, Owned> e : owned.entrySet()) {
                    Owned o = e.getValue();
                    long rc = heap.getrefcount(e.getKey());
                    assertTrue(rc >= o.ownerRefs + o.listSlots, "count " + rc + " below the owner's own references: "
                            + o.ownerRefs + " + " + o.listSlots + " for " + o.expected);
                }
                Thread.yield();
            }
        }

        private long pick() {
            return ownedList.get(rnd.nextInt(ownedList.size()));
        }

        /** The owner's reference to {@code obj} goes (by decref, or to a handle when {@code decref} is false). */
        private void dropOwnerRef(long obj, Owned o, boolean decref) {
            if (decref) {
                heap.decref(obj);
            }
            o.ownerRefs--;
            if (o.ownerRefs == 0 && o.listSlots == 0) {
                owned.remove(obj);
                ownedList.remove((Long) obj);
            }
        }

        /** A new shareable object (a new reference); its expected contents in {@code out[0]}. */
        private long make(int depth, Object[] out) {
            int k = rnd.nextInt(depth > 0 ? 9 : 7);
            switch (k) {
                case 0 -> {
                    long v = rnd.nextInt(4) == 0 ? rnd.nextInt(300) - 5 : rnd.nextLong();
                    out[0] = v;
                    return heap.newInt(v);
                }
                case 1 -> {
                    double v = rnd.nextDouble() * 1e6;
                    out[0] = v;
                    return heap.newFloat(v);
                }
                case 2, 3 -> {
                    StringBuilder sb = new StringBuilder();
                    int n = rnd.nextInt(48);
                    for (int i = 0; i < n; i++) {
                        sb.append((char) (rnd.nextInt(3) == 0 ? 0x400 + rnd.nextInt(200) : 'a' + rnd.nextInt(26)));
                    }
                    out[0] = sb.toString();
                    return heap.newStr(sb.toString());
                }
                case 4 -> {
                    byte[] b = new byte[rnd.nextInt(40)];
                    rnd.nextBytes(b);
                    out[0] = new Bytes(HexFormat.of().formatHex(b));
                    return heap.newBytes(b);
                }
                case 5 -> {
                    out[0] = NONE;
                    return heap.none();
                }
                case 6 -> {
                    boolean v = rnd.nextBoolean();
                    out[0] = v;
                    return heap.bool(v);
                }
                default -> {
                    int n = 1 + rnd.nextInt(4);
                    long[] items = new long[n];
                    List<Object> expected = new ArrayList<>();
                    Object[] one = new Object[1];
                    for (int i = 0; i < n; i++) {
                        items[i] = make(depth - 1, one);
                        expected.add(one[0]);
                    }
                    long t = heap.newTuple(items);
                    for (long item : items) {
                        heap.decref(item);
                    }
                    out[0] = expected;
                    return t;
                }
            }
        }

        // ============================================================== the readers

        void read(int me, Random rnd) {
            List<Msg> held = new ArrayList<>();
            ConcurrentLinkedQueue<Msg> inbox = inboxes.get(me);
            boolean acked = false;
            try {
                while (true) {
                    if (stopPassing && !acked) {
                        acked = true;
                        stoppedPassing.countDown();
                    }
                    Msg m = inbox.poll();
                    if (m == null) {
                        if (finish) {
                            break;
                        }
                        if (!held.isEmpty() && rnd.nextInt(4) == 0) {
                            held.remove(rnd.nextInt(held.size())).ref.close();
                        }
                        Thread.yield();
                        continue;
                    }
                    check(m.ref, m.expected, rnd);
                    reads.incrementAndGet();
                    int r = rnd.nextInt(100);
                    if (r < 30) {
                        held.add(m);
                        if (held.size() > 8) {
                            Msg old = held.remove(0);
                            check(old.ref, old.expected, rnd); // still intact after a while
                            old.ref.close();
                        }
                    } else if (r < 50 && !acked) {
                        inboxes.get(rnd.nextInt(READERS)).add(new Msg(m.ref.dup(), m.expected));
                        m.ref.close();
                    } else if (r < 65 && !acked) {
                        inboxes.get(rnd.nextInt(READERS)).add(m); // passed as is
                    } else if (r < 80 && !acked && m.expected instanceof List<?> items) {
                        int i = rnd.nextInt(items.size());
                        inboxes.get(rnd.nextInt(READERS)).add(new Msg(m.ref.item(i), items.get(i)));
                        if (rnd.nextBoolean()) {
                            m.ref.close(); // the item's handle outlives the tuple's
                        } else {
                            held.add(m);
                        }
                    } else {
                        m.ref.close();
                    }
                }
                for (Msg m : held) {
                    check(m.ref, m.expected, rnd);
                    m.ref.close();
                }
                for (Msg m; (m = inbox.poll()) != null; ) {
                    check(m.ref, m.expected, rnd);
                    m.ref.close();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                if (!acked) {
                    stoppedPassing.countDown();
                }
            }
        }

        /** Reads everything {@code ref} holds and compares it, value and checksum, to {@code expected}. */
        static void check(SharedRef ref, Object expected, Random rnd) {
            Object got = readValue(ref, expected, rnd);
            if (!expected.equals(got) || expected.hashCode() != got.hashCode()) {
                fail("read " + got + " through " + ref + ", expected " + expected + ": freed early and reused?");
            }
        }

        /** What {@code ref} holds, read the way {@code shape} says (items by handle or in place, at random). */
        static Object readValue(SharedRef ref, Object shape, Random rnd) {
            if (shape instanceof List<?> items) {
                int n = ref.size();
                List<Object> got = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Object s = i < items.size() ? items.get(i) : NONE;
                    if (s instanceof Long && rnd.nextBoolean()) {
                        got.add(ref.intAt(i));
                    } else if (s instanceof String && rnd.nextBoolean()) {
                        got.add(ref.strAt(i));
                    } else if (s instanceof Double && rnd.nextBoolean()) {
                        got.add(ref.floatAt(i));
                    } else {
                        try (SharedRef item = ref.item(i)) {
                            got.add(readValue(item, s, rnd));
                        }
                    }
                }
                return got;
            }
            if (shape instanceof Long) {
                return ref.intValue();
            }
            if (shape instanceof Boolean) {
                return ref.boolValue();
            }
            if (shape instanceof Double) {
                return ref.floatValue();
            }
            if (shape instanceof String) {
                return ref.strValue();
            }
            if (shape instanceof Bytes) {
                return new Bytes(HexFormat.of().formatHex(ref.bytesValue()));
            }
            return ref.isNone() ? NONE : "not None: " + ref.typeName();
        }
    }

    /**
     * The queue's bounds: a reader takes and drops millions of references to one object while the
     * owner is busy with work that does not allocate (so nothing drains); the owner then drains it
     * all, and not one operation is lost: the count is exact and the object is freed once the last
     * reference goes. Prints the owner's drain cost per operation (no timing is asserted).
     */
    @Test
    void shouldLoseNoReleaseWhenAReaderReleasesMillionsWhileTheOwnerIsBusy() throws Exception {
        int pairs = STRESS ? 10_000_000 : 1_000_000;
        try (Heap heap = Heap.create()) {
            long s = heap.newStr("hammered");
            SharedRef root = heap.shareAcross(s);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    for (int i = 0; i < pairs; i++) {
                        SharedRef d = root.dup();
                        if ((i & 0xFFFF) == 0 && !d.strValue().equals("hammered")) {
                            throw new AssertionError("read " + d.strValue());
                        }
                        d.close();
                    }
                    root.close();
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "releaser");
            // the list first: its allocation is a safe point, which would apply what the reader queued so far
            long list = heap.newList();
            heap.lists().append(list, s);
            reader.start();
            long busy = 0;
            while (reader.isAlive()) {
                busy += heap.lists().size(list) + heap.getrefcount(s); // owner work, no allocation
            }
            reader.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(busy > 0);
            assertEquals(3, heap.getrefcount(s), "nothing applied yet: the owner, the list, the root handle");
            long t0 = System.nanoTime();
            assertEquals(0, heap.drainRemote());
            long ns = System.nanoTime() - t0;
            assertEquals(2L * pairs + 1, root.home.appliedOperations(), "every operation arrived");
            assertEquals(2, heap.getrefcount(s));
            System.out.printf("drained %d remote operations in %.1f ms: %.1f ns each%n", 2L * pairs + 1, ns / 1e6,
                    (double) ns / (2L * pairs + 1));
            heap.decref(list);
            heap.decref(s);
            assertEquals(0, heap.liveObjects());
        }
    }
}
