package org.refheap.share;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.refheap.RefcountException;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A heap's other-thread references: the queue through which their increments and decrements reach
 * the owner, and the owner's side of applying them. One per heap, made at its first
 * {@code shareAcross}/{@code handOff}; the heap calls {@link #atAllocation()} before each object
 * allocation, {@code gc.collect} calls {@link #drain()}, and so does {@code heap.drainRemote()}.
 *
 * <h2>The queue</h2>
 * Elements are of two sorts. A {@link SharedRef} handle is one operation: it goes through the
 * queue when another thread makes it ({@link SharedRef#incrementPending} set: "count one more"), and
 * when the owner closes it ("count one less"). A {@code long[]} is a batch of decrements from one
 * other thread ({@link ReleaseBatch}): the addresses of the objects of the handles it closed, in the
 * order it closed them, ended by a 0 when not full. Increments are never batched (THREADS.md says
 * why); a thread's decrements wait in its batch until it fills, until the thread calls
 * {@link SharedRef#flushReleases()}, or until the thread ends (the owner then takes them at its next
 * full drain). Both offers come from threads ordered by happens-before
 * (the handle is passed between threads safely, or it is one thread), so the owner polls the first
 * before the second. The default queue is JCTools' {@code MpscUnboundedXaddArrayQueue}: an offer
 * is one XADD on the producer index and a store, wait-free, and never fails (unbounded: a reader
 * releasing millions of references while the owner is busy costs memory, never a lost release).
 * {@code -Drefheap.share.queue=atomic} (JCTools' CAS-based queue without sun.misc.Unsafe) and
 * {@code =clq} ({@link ConcurrentLinkedQueue}) exist for the benchmarks.
 *
 * <h2>Checks</h2>
 * Every operation applied is the heap's checked {@code incref}/{@code decref}: an address that is
 * no longer a live object (a forged handle, an owner that released a reference it did not hold) is
 * reported through the heap's unraisable hook and skipped, never a crash or a corrupted allocator.
 * A debug heap also keeps, per object, the number of shared references whose increment it applied,
 * and refuses a decrement of an object no shared reference holds.
 */
public final class RemoteRefs {
    private static final int CHUNK = 1024;

    final HeapDoor door;
    final Thread owner;
    final int heapId;
    private final boolean segmentShared;
    private final Queue<Object> queue;
    /** The same queue when it is a JCTools one (all but {@code clq}): the owner polls it with {@code relaxedPoll}. */
    private final MessagePassingQueue<Object> mpq;
    /** Decrements per batch ({@code -Drefheap.share.batch}); 1: each closed handle is queued at once. */
    final int batchSize;
    /** Every other thread's batch for this heap, for the owner to take the leftovers of threads that ended. */
    private final Queue<ReleaseBatch> batches = new ConcurrentLinkedQueue<>();
    /** Set by the owner when the heap closes; read by other threads before every use of a handle. */
    private volatile boolean closed;

    // The owner's own state: plain fields.
    /** Open shared references counted in headers: shares and applied increments, less applied decrements. */
    private long open;
    private long applied;
    private boolean draining;
    /** Debug heaps only: open shared references per object, to refuse a decrement nobody holds. */
    private final Map<Long, Long> held;

    /** Made by the heap, on its owner thread. */
    public RemoteRefs(HeapDoor door, boolean segmentShared) {
        this.door = door;
        this.owner = Thread.currentThread();
        this.heapId = door.heapId();
        this.segmentShared = segmentShared;
        this.queue = newQueue(org.refheap.Settings.shareQueue());
        this.batchSize = org.refheap.Settings.shareBatch();
        @SuppressWarnings("unchecked") // every MessagePassingQueue made by newQueue holds handles and batches
        MessagePassingQueue<Object> m = queue instanceof MessagePassingQueue<?> ? (MessagePassingQueue<Object>) queue : null;
        this.mpq = m;
        this.held = door.isDebug() ? new HashMap<>() : null;
    }

    private static Queue<Object> newQueue(String kind) {
        return switch (kind) {
            case "xadd" -> xaddOrAtomic();
            case "atomic" -> new MpscUnboundedAtomicArrayQueue<>(CHUNK);
            case "clq" -> new ConcurrentLinkedQueue<>();
            default -> throw new IllegalArgumentException("refheap.share.queue must be xadd, atomic or clq: " + kind);
        };
    }

    /**
     * JCTools' fastest MPSC queues reach memory through sun.misc.Unsafe, which JDK 24+ warns about and
     * a later JDK will refuse by default ({@code --sun-misc-unsafe-memory-access}, JEP 471/498): then
     * the same algorithm family's Unsafe-free twin (a CAS instead of the XADD on offer) takes over.
     */
    private static Queue<Object> xaddOrAtomic() {
        try {
            return new MpscUnboundedXaddArrayQueue<>(CHUNK, 4);
        } catch (LinkageError | RuntimeException e) {
            return new MpscUnboundedAtomicArrayQueue<>(CHUNK);
        }
    }

    // ================================================================== owner thread

    /** Owner: a handle on {@code obj}; {@code takeOver}: it takes the caller's reference instead of a new one. */
    public SharedRef share(long obj, boolean takeOver) {
        if (!segmentShared) {
            throw new IllegalStateException("heap #" + heapId + " was made under -Drefheap.confinedArena=true:"
                    + " its memory cannot be read from other threads");
        }
        int kind = door.checkShareable(obj);
        boolean immortal = door.word(obj) >= org.refheap.layout.ObjectLayout.IMMORTAL;
        if (!immortal) {
            if (!takeOver) {
                door.incref(obj);
            }
            counted(obj);
        }
        return new SharedRef(this, obj, kind, immortal);
    }

    /**
     * Owner, before each object allocation: one emptiness test, and if the queue holds anything, at
     * most {@link #ALLOCATION_BATCH} operations applied, so that an allocation's pause stays bounded
     * however fast other threads release.
     */
    public void atAllocation() {
        if (!queue.isEmpty()) {
            drain(Long.MAX_VALUE, ALLOCATION_BATCH);
        }
    }

    /**
     * The most operations one allocation applies. An operation costs one or two cache misses (the
     * handle and the queue slot were written on another core): 110-490 ns each when none is in
     * cache (SharedRefModelTest's bound test on a loaded 2-vCPU machine), so at most about half a
     * millisecond, and far less while the owner keeps up. Five allocations a message and three
     * remote operations a message leave ample room.
     */
    public static final int ALLOCATION_BATCH = 1024;

    /**
     * Owner: applies every operation queued before the call, in queue order (what other threads
     * queue meanwhile waits for the next drain: readers that never stop cannot keep it going), then
     * the unpublished decrements of threads that ended; returns the shared references still open
     * (closed handles whose decrement waits in a live thread's batch count as open). Does nothing
     * inside a collection (its finalizers and callbacks may allocate), nor when called again from
     * inside a drain.
     */
    public long drain() {
        drain(queue.size(), Long.MAX_VALUE);
        if (!batches.isEmpty() && !draining && !closed && door.canDrainNow()) {
            draining = true;
            try {
                takeEnded();
            } finally {
                draining = false;
            }
        }
        return open;
    }

    /**
     * The batches of threads that ended: {@code isAlive()} false means the thread's last action
     * happens-before this read (JLS 17.4.4), so its batch is safe to read. Its decrements come after
     * everything the thread published, which the queue delivered first (drained just before: what
     * it offered happened before it ended, so it was in the queue when the drain began... unless a
     * slot was claimed but not yet visible, hence the check below).
     */
    private void takeEnded() {
        for (Iterator<ReleaseBatch> it = batches.iterator(); it.hasNext(); ) {
            ReleaseBatch b = it.next();
            if (!b.thread.isAlive()) {
                if (!queue.isEmpty()) {
                    return; // the ended thread's last published batch may still be in it: next drain
                }
                it.remove();
                long[] rest = b.takeAfterEnd();
                applyBatch(rest);
            }
        }
    }

    /** At most {@code elements} queue elements and, past the first, {@code operations} operations. */
    private long drain(long elements, long operations) {
        if (draining || closed || !door.canDrainNow()) {
            return open;
        }
        draining = true;
        try {
            Object e;
            long n = 0;
            for (long k = 0; k < elements && n < operations && (e = poll()) != null; k++) {
                if (e instanceof SharedRef r) {
                    apply(r);
                    n++;
                } else {
                    n += applyBatch((long[]) e);
                }
            }
        } finally {
            draining = false;
        }
        return open;
    }

    /**
     * The next operation, or null when the next slot is claimed but not yet written: a producer
     * descheduled in the middle of its offer must not stall the owner (JCTools' {@code poll} would
     * spin until the element appears). Order is kept: what lies beyond that slot waits for the
     * next drain.
     */
    private Object poll() {
        return mpq != null ? mpq.relaxedPoll() : queue.poll();
    }

    private void apply(SharedRef r) {
        applied++;
        long obj = r.address;
        try {
            if (r.incrementPending) {
                r.incrementPending = false;
                door.incref(obj);
                counted(obj);
            } else {
                decrement(obj);
            }
        } catch (RuntimeException e) {
            door.unraisable("a decrement or increment from another thread, applied by the owner of heap #" + heapId, e);
        }
    }

    /** A batch of decrements, in order, up to its end or its 0; returns how many. */
    private int applyBatch(long[] batch) {
        int n = 0;
        for (long obj : batch) {
            if (obj == 0) {
                break;
            }
            n++;
            try {
                decrement(obj);
            } catch (RuntimeException e) {
                door.unraisable("a decrement from another thread, applied by the owner of heap #" + heapId, e);
            }
        }
        applied += n;
        return n;
    }

    private void decrement(long obj) {
        if (held != null) {
            Long n = held.get(obj);
            if (n == null) {
                throw new RefcountException("no shared reference holds 0x" + Long.toHexString(obj)
                        + " (a forged or stale SharedRef): the decrement is ignored");
            }
            if (n == 1) {
                held.remove(obj);
            } else {
                held.put(obj, n - 1);
            }
        }
        open--;
        door.decref(obj);
    }

    private void counted(long obj) {
        open++;
        if (held != null) {
            held.merge(obj, 1L, Long::sum);
        }
    }

    /** Owner: a handle gives its reference back to the owner (after a drain, its increment is in the header). */
    long reclaim(SharedRef r) {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("only the owner of heap #" + heapId + " (thread '" + owner.getName()
                    + "') can reclaim " + r + "; other threads read it, dup it or close it");
        }
        if (closed) {
            throw new IllegalStateException("heap #" + heapId + " is closed: " + r + " holds nothing any more");
        }
        if (draining || !door.canDrainNow()) {
            throw new IllegalStateException("cannot reclaim " + r + " inside a collection or a drain: its pending"
                    + " increment cannot be applied now");
        }
        drain();
        if (!r.immortal) {
            open--;
            if (held != null) {
                long n = held.get(r.address);
                if (n == 1) {
                    held.remove(r.address);
                } else {
                    held.put(r.address, n - 1);
                }
            }
        }
        return r.address;
    }

    /** Owner, from {@code Heap.close}: every handle refuses reads from now on; queued operations are dropped with the memory. */
    public void heapClosed() {
        closed = true;
        queue.clear();
        batches.clear();
    }

    /** Owner: operations applied since the heap was made (figures and tests). */
    public long appliedOperations() {
        return applied;
    }

    // ================================================================== any thread

    boolean isClosed() {
        return closed;
    }

    /** A handle's increment or decrement, for the owner to apply. Never fails: the queue is unbounded. */
    void enqueue(SharedRef r) {
        queue.offer(r);
    }

    /** A closed handle's decrement: at once from the owner (or without batching), else into the thread's batch. */
    void release(SharedRef r) {
        if (batchSize == 1 || Thread.currentThread() == owner) {
            queue.offer(r);
        } else {
            ThreadReleases.batchFor(this).add(r.address);
        }
    }

    /** A full or flushed batch of decrements. */
    void enqueueBatch(long[] batch) {
        queue.offer(batch);
    }

    /** A thread's batch for this heap, made at its first release here. */
    void register(ReleaseBatch b) {
        batches.add(b);
    }
}
