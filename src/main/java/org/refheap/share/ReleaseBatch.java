package org.refheap.share;

/**
 * One thread's decrements for one heap, gathered before they are published to the owner as one
 * queue element (docs/THREADS.md, "Batched decrements").
 *
 * <pre>
 *  field     written by              read by
 *  pending   its thread              the owner, after the array was offered (the queue orders them),
 *  size      its thread              or after the thread ended (Thread.isAlive() false: JLS 17.4.4)
 * </pre>
 *
 * A published array is never touched again by the thread: it starts a new one. An array published
 * before it is full ends with a 0 (no object lives at address 0).
 */
final class ReleaseBatch {
    final RemoteRefs home;
    final Thread thread;
    private long[] pending;
    private int size;

    ReleaseBatch(RemoteRefs home, Thread thread) {
        this.home = home;
        this.thread = thread;
        this.pending = new long[home.batchSize];
    }

    /** Its thread: one more decrement; the batch goes to the owner when full. */
    void add(long obj) {
        long[] p = pending;
        p[size++] = obj;
        if (size == p.length) {
            publish();
        }
    }

    /** Its thread: publishes what is gathered (nothing when empty). */
    void flush() {
        if (size > 0) {
            if (size < pending.length) {
                pending[size] = 0;
            }
            publish();
        }
    }

    private void publish() {
        long[] p = pending;
        pending = new long[p.length];
        size = 0;
        if (!home.isClosed()) {
            home.enqueueBatch(p);
        }
    }

    /** The owner, once {@link #thread} ended: the decrements it never published, in its order. */
    long[] takeAfterEnd() {
        long[] p = pending;
        if (size < p.length) {
            p[size] = 0;
        }
        size = 0;
        pending = null;
        return p;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
