package org.refheap.weak;

import org.refheap.Heap;
import org.refheap.WeakRefs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code weakref.finalize}: calls a function when an object dies (by its count reaching zero or in a
 * collection), at most once, unless called or detached before. Unlike a struct type's
 * {@link org.refheap.Finalizer}, it is registered per object, on any weakly referenceable object,
 * and never resurrects anything: the function gets the arguments, never the object.
 *
 * <p>As CPython's: the finalizer keeps itself alive until it is called or detached (the program need
 * not keep this handle); {@link #alive()}, {@link #call()} (the finalizer called early),
 * {@link #peek()}, {@link #detach()}, and {@link #atexit()}: when the heap is closed
 * ({@link Heap#close()} is the interpreter's exit), every finalizer still alive whose {@code atexit}
 * is true (the default) is called, the newest first, with the collector disabled meanwhile; the
 * others are dropped uncalled. The function must not hold the object itself (a Java lambda capturing
 * its address holds nothing, but the object is dead when it runs): pass what it needs as arguments.
 *
 * <p>In the heap, each finalizer is an object of type {@code finalize} holding the weakref to the
 * object and a tuple of the arguments, held from Java while the finalizer is alive (so whyAlive
 * names the arguments' holder). A function that throws when the object dies is reported to the
 * heap's unraisable hook, as CPython's callbacks are; called through {@link #call()} it throws to the
 * caller.
 */
public final class Finalize {
    /** The finalizers of each open heap, in creation order; dropped at close. */
    private static final Map<Heap, Registry> REGISTRIES = new HashMap<>();

    private static final class Registry {
        /** Identity set in creation order: O(1) removal when one is called. */
        final Set<Finalize> alive = new LinkedHashSet<>();
        boolean shutdown;
        long nextIndex;
    }

    private final Heap heap;
    private final Registry registry;
    private final FinalizeFunction func;
    private final long index;
    /** The finalize object (owned by this registration), 0 once dead. */
    private long self;
    private final long ref;
    private final long args;
    private boolean atexit = true;

    private Finalize(Heap heap, Registry registry, long obj, FinalizeFunction func, long[] args) {
        Types t = Types.of(heap);
        this.heap = heap;
        this.registry = registry;
        this.func = func;
        long tuple = heap.newTuple(args); // checks every argument
        long s;
        long wr;
        try {
            s = t.fin.allocate();
            try {
                wr = heap.weakrefs().ref(obj, w -> onDeath());
                t.finRef.setRef(s, wr);
                heap.decref(wr);
            } catch (RuntimeException e) {
                heap.decref(s);
                throw e;
            }
            t.finArgs.setRef(s, tuple);
        } finally {
            heap.decref(tuple);
        }
        this.self = s;
        this.ref = wr;
        this.args = tuple;
        this.index = registry.nextIndex++;
        registry.alive.add(this);
    }

    /**
     * {@code weakref.finalize(obj, func, *args)}: calls {@code func(args)} when {@code obj} dies.
     *
     * @param heap the heap of {@code obj}
     * @param obj  a live weakly referenceable object (a struct type declared {@code withWeakrefs()}),
     *             else {@link org.refheap.WrongTypeException}
     * @param func the function
     * @param args live objects (incref'd, held until the call)
     * @return the finalizer (it stays registered whether this handle is kept or not)
     */
    public static Finalize register(Heap heap, long obj, FinalizeFunction func, long... args) {
        if (heap == null || func == null || args == null) {
            throw new IllegalArgumentException("heap, func and args must not be null");
        }
        Registry r;
        synchronized (REGISTRIES) {
            r = REGISTRIES.get(heap);
            if (r == null) {
                if (heap.isClosed()) {
                    throw new IllegalStateException("heap #" + heap.id() + " is closed");
                }
                r = new Registry();
                REGISTRIES.put(heap, r);
            }
        }
        return new Finalize(heap, r, obj, func, args);
    }

    /** {@code f.alive}: true until it was called or detached. @return whether it is alive */
    public boolean alive() {
        return self != 0;
    }

    /**
     * {@code f()}: if alive, marks it dead and calls the function (what it throws comes through);
     * otherwise does nothing. After the heap's exit functions ran, never calls.
     *
     * @return true if the function was called
     */
    public boolean call() {
        if (self == 0) {
            return false;
        }
        if (registry.shutdown) {
            release();
            return false;
        }
        long[] a = argArray();
        try {
            registry.alive.remove(this);
            func.call(a);
        } finally {
            release();
        }
        return true;
    }

    /**
     * {@code f.peek()}: the object, function and arguments, or null when dead (or when the object
     * died and the call is on its way).
     *
     * @return a new info owning a reference to the object and each argument (close it), or null
     */
    public FinalizeInfo peek() {
        long obj = liveObject();
        if (obj == 0) {
            return null;
        }
        long[] a = argArray();
        heap.incref(obj);
        for (long x : a) {
            heap.incref(x);
        }
        return new FinalizeInfo(heap, obj, func, a);
    }

    /**
     * {@code f.detach()}: if alive (and its object too), marks it dead without calling it and returns
     * what {@link #peek()} would; otherwise null.
     *
     * @return a new info (close it), or null
     */
    public FinalizeInfo detach() {
        FinalizeInfo info = peek();
        if (info != null) {
            registry.alive.remove(this);
            release();
        }
        return info;
    }

    /** {@code f.atexit}: whether it is called when the heap closes, if still alive. @return false once dead */
    public boolean atexit() {
        return self != 0 && atexit;
    }

    /** Sets {@code f.atexit} (no effect once dead). @param value whether to call it when the heap closes */
    public void atexit(boolean value) {
        if (self != 0) {
            atexit = value;
        }
    }

    @Override
    public String toString() {
        return "<finalize object at 0x" + Long.toHexString(System.identityHashCode(this)) + "; "
                + (self == 0 ? "dead>" : "for 0x" + Long.toHexString(heap.weakrefs().get(ref)) + ">");
    }

    /**
     * CPython's {@code finalize._exitfunc}, which {@link Heap#close()} calls before it frees anything:
     * calls every live finalizer of {@code heap} whose {@code atexit} is set, the newest first (a
     * finalizer registered meanwhile is called too), with the collector disabled; then drops the others
     * uncalled and forgets the heap. What a function throws goes to {@code report} and the next one
     * runs. Not for applications: called any earlier, it would end every finalizer of the heap.
     *
     * @param heap   the heap being closed
     * @param report where a function's exception goes (the heap's unraisable hook)
     */
    public static void exitFunc(Heap heap, BiConsumer<String, Throwable> report) {
        Registry r;
        synchronized (REGISTRIES) {
            r = REGISTRIES.get(heap); // kept until the end: a function may register another finalizer
        }
        if (r == null) {
            return;
        }
        boolean reenable = heap.gc().isEnabled();
        if (reenable) {
            heap.gc().disable();
        }
        try {
            while (true) {
                Finalize newest = null;
                for (Finalize f : r.alive) {
                    if (f.atexit && (newest == null || f.index > newest.index)) {
                        newest = f;
                    }
                }
                if (newest == null) {
                    break;
                }
                try {
                    newest.call();
                } catch (RuntimeException | Error e) {
                    report.accept("weakref.finalize at exit of heap #" + heap.id(), e);
                }
            }
        } finally {
            synchronized (REGISTRIES) {
                REGISTRIES.remove(heap);
            }
            r.shutdown = true;
            for (Finalize f : new ArrayList<>(r.alive)) {
                f.release();
            }
            r.alive.clear();
            if (reenable) {
                heap.gc().enable();
            }
        }
    }

    // ------------------------------------------------------------------ internal

    /** The weakref's callback: the object died. */
    private void onDeath() {
        call(); // a throw goes to the unraisable hook (WeakRefs' callback runner)
    }

    private long liveObject() {
        if (self == 0) {
            return 0;
        }
        WeakRefs wrs = heap.weakrefs();
        long o = wrs.get(ref);
        return o == heap.none() ? 0 : o;
    }

    private long[] argArray() {
        int n = (int) heap.tuples().size(args);
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = heap.tuples().get(args, i);
        }
        return a;
    }

    /** Dead from now on: drops the finalize object (its weakref, whose callback is then forgotten, and the arguments). */
    private void release() {
        long s = self;
        if (s == 0) {
            return;
        }
        self = 0;
        registry.alive.remove(this);
        heap.decref(s);
    }
}
