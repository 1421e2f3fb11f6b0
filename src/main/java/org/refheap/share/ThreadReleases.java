package org.refheap.share;

import java.util.Arrays;

/**
 * The current thread's {@link ReleaseBatch}es, one per heap it released references of. A thread
 * usually releases into one heap: the last batch used is found with one compare; the others by a
 * scan of a small array. Batches of heaps that were closed are dropped at the next scan or flush.
 */
final class ThreadReleases {
    private static final ThreadLocal<ThreadReleases> LOCAL = ThreadLocal.withInitial(ThreadReleases::new);

    private ReleaseBatch last;
    private ReleaseBatch[] all = new ReleaseBatch[0];

    /** The current thread's batch for {@code home}, made (and registered with the owner) at first use. */
    static ReleaseBatch batchFor(RemoteRefs home) {
        ThreadReleases t = LOCAL.get();
        ReleaseBatch b = t.last;
        if (b != null && b.home == home) {
            return b;
        }
        return t.find(home);
    }

    /** Publishes every batch of the current thread, whatever heap it is for. */
    static void flushAll() {
        ThreadReleases t = LOCAL.get();
        for (ReleaseBatch b : t.all) {
            b.flush();
        }
        t.prune();
    }

    private ReleaseBatch find(RemoteRefs home) {
        for (ReleaseBatch b : all) {
            if (b.home == home) {
                last = b;
                return b;
            }
        }
        prune();
        ReleaseBatch b = new ReleaseBatch(home, Thread.currentThread());
        home.register(b);
        all = Arrays.copyOf(all, all.length + 1);
        all[all.length - 1] = b;
        last = b;
        return b;
    }

    /** Forgets the batches of closed heaps (their decrements went with the memory). */
    private void prune() {
        int n = 0;
        for (ReleaseBatch b : all) {
            if (!b.home.isClosed()) {
                all[n++] = b;
            }
        }
        if (n < all.length) {
            all = Arrays.copyOf(all, n);
            if (last != null && last.home.isClosed()) {
                last = null;
            }
        }
    }
}
