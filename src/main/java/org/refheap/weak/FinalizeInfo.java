package org.refheap.weak;

import org.refheap.Heap;

/**
 * What {@link Finalize#peek} and {@link Finalize#detach} return, CPython's {@code (obj, func, args,
 * kwargs)}: it owns one reference to the object and to each argument; {@link #close()} drops them.
 */
public final class FinalizeInfo implements AutoCloseable {
    private final Heap heap;
    private final long obj;
    private final FinalizeFunction func;
    private final long[] args;
    private boolean closed;

    FinalizeInfo(Heap heap, long obj, FinalizeFunction func, long[] args) {
        this.heap = heap;
        this.obj = obj;
        this.func = func;
        this.args = args;
    }

    /** The object the finalizer watches (owned by this info until closed). @return its address */
    public long obj() {
        return obj;
    }

    /** The function. @return it */
    public FinalizeFunction func() {
        return func;
    }

    /** The arguments (each owned by this info until closed). @return a copy of their addresses */
    public long[] args() {
        return args.clone();
    }

    /** Drops the references this info owns. Closing again does nothing. */
    @Override
    public void close() {
        if (closed || heap.isClosed()) {
            closed = true;
            return;
        }
        closed = true;
        heap.decref(obj);
        for (long a : args) {
            heap.decref(a);
        }
    }
}
