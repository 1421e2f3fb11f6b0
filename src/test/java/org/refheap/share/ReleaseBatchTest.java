package org.refheap.share;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.refheap.Heap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Batched decrements (docs/THREADS.md): a thread other than the owner gathers the decrements of the
 * handles it closes and publishes them as one queue element when the batch is full, when it calls
 * {@link SharedRef#flushReleases()}, or (taken by the owner) once it ended. Until then the objects
 * stay alive: late, never early.
 */
class ReleaseBatchTest {
    private Heap heap;
    private ExecutorService reader;

    @BeforeEach
    void open() {
        heap = Heap.create();
        reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "reader"));
    }

    @AfterEach
    void close() {
        reader.shutdownNow();
        heap.close();
    }

    private void onReader(Runnable r) throws Exception {
        reader.submit(r).get();
    }

    @Test
    void shouldKeepAnObjectAliveWhileItsDecrementWaitsInALiveThreadsBatch() throws Exception {
        long s = heap.newStr("pending");
        SharedRef r = heap.handOff(s);
        onReader(r::close); // gathered, not published: the reader thread lives on
        assertEquals(1, heap.drainRemote(), "a decrement still in a live thread's batch counts as open");
        heap.gc().collect();
        assertTrue(heap.isLive(s), "an unpublished decrement keeps the object alive, also across a collection");
        assertEquals(1, heap.getrefcount(s));
        onReader(SharedRef::flushReleases);
        assertEquals(0, heap.drainRemote());
        assertFalse(heap.isLive(s), "freed once the flushed decrement is applied");
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldPublishAFullBatchByItself() throws Exception {
        long s = heap.newStr("many");
        int n = root().batchSize * 3 + 5;
        List<SharedRef> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            refs.add(heap.shareAcross(s));
        }
        onReader(() -> refs.forEach(SharedRef::close));
        assertEquals(5, heap.drainRemote(), "three full batches applied, five decrements still gathered");
        assertEquals(6, heap.getrefcount(s));
        onReader(SharedRef::flushReleases);
        onReader(SharedRef::flushReleases); // nothing gathered: publishes nothing
        assertEquals(0, heap.drainRemote());
        assertEquals(1, heap.getrefcount(s));
        heap.decref(s);
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldTakeTheBatchOfAThreadThatEndedWithoutFlushing() throws Exception {
        long t = heap.newTuple(heap.newStr("left"), heap.newInt(123_456));
        heap.decref(heap.tuples().get(t, 0));
        heap.decref(heap.tuples().get(t, 1));
        SharedRef r = heap.handOff(t);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread ending = new Thread(() -> {
            try (r; SharedRef item = r.item(0); SharedRef again = r.dup()) {
                assertEquals("left", item.strValue());
                assertEquals(123_456, again.intAt(1));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "ending");
        ending.start();
        ending.join();
        assertNull(failure.get());
        assertEquals(0, heap.drainRemote(), "the ended thread's increments through the queue, its decrements from its batch");
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldApplyDecrementsAtOnceWithBatchesOfOne() throws Exception {
        System.setProperty("refheap.share.batch", "1");
        try (Heap unbatched = Heap.create()) {
            long s = unbatched.newStr("at once");
            SharedRef r = unbatched.handOff(s);
            onReader(r::close);
            assertEquals(0, unbatched.drainRemote());
            assertFalse(unbatched.isLive(s));
        } finally {
            System.clearProperty("refheap.share.batch");
        }
    }

    @Test
    void shouldRefuseABadBatchSize() {
        System.setProperty("refheap.share.batch", "0");
        try (Heap h = Heap.create()) {
            long s = h.newStr("x");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.shareAcross(s));
            assertTrue(e.getMessage().contains("refheap.share.batch"), e.getMessage());
            h.decref(s);
        } finally {
            System.clearProperty("refheap.share.batch");
        }
    }

    @Test
    void shouldDropAGatheredBatchQuietlyWhenTheHeapClosed() throws Exception {
        Heap other = Heap.create();
        long s = other.newStr("gone with the heap");
        SharedRef r = other.handOff(s);
        onReader(r::close);
        other.close(); // frees everything, the gathered decrement included
        onReader(SharedRef::flushReleases); // nothing to publish to: quiet
        // the reader goes on with another heap: its batch for the closed one is forgotten
        long k = heap.newStr("still here");
        SharedRef q = heap.handOff(k);
        onReader(() -> {
            q.close();
            SharedRef.flushReleases();
        });
        assertEquals(0, heap.drainRemote());
        assertEquals(0, heap.liveObjects());
    }

    @Test
    void shouldKeepOneBatchPerHeapOnOneThread() throws Exception {
        try (Heap second = Heap.create()) {
            long a = heap.newStr("first heap");
            long b = second.newStr("second heap");
            SharedRef ra = heap.handOff(a);
            SharedRef rb = second.handOff(b);
            onReader(() -> {
                ra.close();
                rb.close();
            });
            assertEquals(1, heap.drainRemote());
            assertEquals(1, second.drainRemote());
            onReader(SharedRef::flushReleases);
            assertEquals(0, heap.drainRemote());
            assertEquals(0, second.drainRemote());
            assertEquals(0, heap.liveObjects());
            assertEquals(0, second.liveObjects());
        }
    }

    /**
     * A million decrements from a thread that ended, drained at once: none lost, and the owner's
     * cost per decrement printed (compare {@code -Drefheap.share.batch=1}; no timing is asserted).
     */
    @Test
    void shouldLoseNoBatchedDecrementAndPrintTheDrainCost() throws Exception {
        int n = 1_000_000;
        long s = heap.newStr("released a million times");
        SharedRef[] refs = new SharedRef[n];
        for (int i = 0; i < n; i++) {
            refs[i] = heap.shareAcross(s);
        }
        Thread releaser = new Thread(() -> {
            for (SharedRef r : refs) {
                r.close();
            }
        }, "releaser");
        releaser.start();
        releaser.join();
        assertEquals(n + 1L, heap.getrefcount(s), "nothing applied before the drain");
        long t0 = System.nanoTime();
        assertEquals(0, heap.drainRemote());
        long ns = System.nanoTime() - t0;
        assertEquals(1, heap.getrefcount(s));
        System.out.printf("batch %d: drained %d decrements in %.1f ms: %.1f ns each%n", root().batchSize, n, ns / 1e6,
                (double) ns / n);
        heap.decref(s);
    }

    /** The heap's remote side, made by a first share. */
    private RemoteRefs root() {
        SharedRef none = heap.shareAcross(heap.none());
        RemoteRefs home = none.home;
        none.close();
        return home;
    }
}
