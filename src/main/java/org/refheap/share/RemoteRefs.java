package org.refheap.share;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.refheap.RefcountException;

import java.util.HashMap;
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
 * Elements are the {@link SharedRef} handles themselves, so a remote operation allocates nothing
 * beyond the handle a {@code dup} returns anyway. A handle goes through the queue at most twice: once
 * when another thread makes it ({@link SharedRef#incrementPending} set: "count one more") and once
 * when it is closed ("count one less"). Both offers come from threads ordered by happens-before
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
    private final Queue<SharedRef> queue;
    /** The same queue when it is a JCTools one (all but {@code clq}): the owner polls it with {@code relaxedPoll}. */
    private final MessagePassingQueue<SharedRef> mpq;
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
        @SuppressWarnings("unchecked") // every MessagePassingQueue made by newQueue holds SharedRefs
        MessagePassingQueue<SharedRef> m = queue instanceof MessagePassingQueue<?> ? (MessagePassingQueue<SharedRef>) queue : null;
        this.mpq = m;
        this.held = door.isDebug() ? new HashMap<>() : null;
    }

    private static Queue<SharedRef> newQueue(String kind) {
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
    private static Queue<SharedRef> xaddOrAtomic() {
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
            drain(ALLOCATION_BATCH);
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
     * queue meanwhile waits for the next drain: readers that never stop cannot keep it going);
     * returns the shared references still open. Does nothing inside a collection (its finalizers and
     * callbacks may allocate), nor when called again from inside a drain.
     */
    public long drain() {
        return drain(queue.size());
    }

    private long drain(long limit) {
        if (draining || closed || !door.canDrainNow()) {
            return open;
        }
        draining = true;
        try {
            SharedRef r;
            for (long n = 0; n < limit && (r = poll()) != null; n++) {
                apply(r);
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
    private SharedRef poll() {
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
        } catch (RuntimeException e) {
            door.unraisable("a decrement or increment from another thread, applied by the owner of heap #" + heapId, e);
        }
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
}
