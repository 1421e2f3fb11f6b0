package org.refheap.observe;

import org.refheap.Heap;
import org.refheap.alloc.Obmalloc;

import javax.management.ObjectName;
import java.util.Arrays;

/**
 * The entry points refheap itself calls, on the heap's owner thread: from {@code Gc.invokeCallbacks}
 * (each collection's "start" and "stop"), from the end of each pause-bounded step, and from
 * {@code Heap.registerMXBean()} and {@code Heap.close()}. Public only because they cross packages: not
 * for applications (figures fed here by hand would be wrong).
 *
 * <p>Nothing here allocates or touches JFR until a heap is observed: while no MXBean is registered and
 * no JFR recorder is initialized, a hook costs a volatile read of an empty array and of
 * {@code FlightRecorder.isInitialized()}.
 */
public final class Hooks {
    private static final HeapState[] NONE = new HeapState[0];
    /** The observed heaps, copy on write (the hooks read it on every collection). */
    private static volatile HeapState[] states = NONE;
    private static final Object LOCK = new Object();
    /** Without the jdk.jfr module (a jlinked runtime) refheap runs without its events. */
    private static final boolean JFR_PRESENT = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private Hooks() {
    }

    // ------------------------------------------------------------------ called by refheap (owner thread)

    /**
     * A collection's "start" or "stop" ({@code Gc.invokeCallbacks}), before the user's callbacks.
     * "start" may begin a JFR event; "stop" commits it and publishes the figures. The "stop" that ends
     * a pause-bounded cycle is skipped: {@link #step} reported that step already.
     */
    public static void collection(Heap heap, int id, Obmalloc alloc, String phase, int generation, long collected,
            long uncollectable, long candidates, long durationNanos) {
        boolean start = "start".equals(phase);
        HeapState s = find(heap);
        if (s == null) {
            // Observation begins only at a "start", so that no collection is counted half.
            if (!start || !jfrUp() || !Jfr.anyEnabled()) {
                return;
            }
            s = observe(heap, id, alloc);
        }
        if (start) {
            s.open = jfrUp() ? Jfr.begin() : null;
            return;
        }
        if (!"stop".equals(phase)) {
            return;
        }
        Object event = s.open;
        s.open = null;
        if (s.skipNextStop) {
            s.skipNextStop = false;
            return;
        }
        s.collectionEnded(heap, generation, collected, durationNanos);
        if (event != null) {
            Jfr.commitCollection(event, id, generation, collected, uncollectable, candidates, durationNanos);
        }
    }

    /**
     * The end of one pause-bounded step ({@code IncrementalCollector.step}), before its "stop"
     * callbacks when it completed the cycle.
     *
     * @param phase     the cycle's phase after the step ("idle" once completed)
     * @param completed whether this step completed the cycle
     * @param found     garbage found by the cycle (meaningful when completed)
     * @param examined  objects examined by all completed cycles so far
     */
    public static void step(Heap heap, int id, Obmalloc alloc, String phase, boolean completed, long pauseNanos,
            long found, long examined) {
        HeapState s = find(heap);
        boolean fresh = false;
        if (s == null) {
            if (!jfrUp() || !Jfr.anyEnabled()) {
                return;
            }
            s = observe(heap, id, alloc); // its base already counts this step
            fresh = true;
        }
        s.open = null; // a "start" inside a step began a pause-bounded cycle, not a stop-the-world one
        long candidates = 0;
        if (completed) {
            candidates = examined - s.incExamined;
            s.incExamined = examined;
            s.skipNextStop = true;
        }
        if (fresh) {
            s.publish(heap);
        } else {
            s.stepEnded(heap, completed, found, pauseNanos);
        }
        if (jfrUp()) {
            Jfr.commitStep(id, phase, completed, pauseNanos, completed ? found : 0, candidates, "full");
        }
    }

    /**
     * The end of one step of a candidate cycle (the low-latency mode's collector), before its "stop"
     * callbacks when it completed the cycle. A JFR event with scope "candidates"; the MXBean's
     * figures (memory) are published, its pause-bounded figures are the full cycles' alone.
     *
     * @param found    garbage found by the cycle (meaningful when completed)
     * @param examined objects the cycle examined: its roots and their closure (meaningful when completed)
     */
    public static void candidateStep(Heap heap, int id, Obmalloc alloc, String phase, boolean completed,
            long pauseNanos, long found, long examined) {
        HeapState s = find(heap);
        if (s == null) {
            if (!jfrUp() || !Jfr.anyEnabled()) {
                return;
            }
            s = observe(heap, id, alloc);
        }
        s.open = null; // a "start" inside a step began a candidate cycle, not a stop-the-world collection
        if (completed) {
            s.skipNextStop = true;
        }
        s.publish(heap);
        if (jfrUp()) {
            Jfr.commitStep(id, phase, completed, pauseNanos, completed ? found : 0, completed ? examined : 0,
                    "candidates");
        }
    }

    /**
     * {@code Heap.registerMXBean()}: registers the heap's {@link RefHeapMXBean} once, as
     * {@code org.refheap:type=Heap,id=<id>}, and publishes the current figures (each call does).
     */
    public static ObjectName registerMXBean(Heap heap, int id, Obmalloc alloc) {
        HeapState s = find(heap);
        if (s == null) {
            s = observe(heap, id, alloc);
        } else {
            s.publish(heap);
        }
        synchronized (s) {
            if (s.mxBeanName == null) {
                s.mxBeanName = Jmx.register(s);
            }
            return s.mxBeanName;
        }
    }

    /** {@code Heap.close()}: the heap is no longer observed; its MXBean, if any, is unregistered. */
    public static void heapClosed(Heap heap) {
        HeapState s = find(heap);
        if (s != null) {
            forget(s);
        }
    }

    // ------------------------------------------------------------------ internal

    static HeapState[] states() {
        return states;
    }

    static boolean jfrUp() {
        return JFR_PRESENT && jdk.jfr.FlightRecorder.isInitialized();
    }

    private static HeapState find(Heap heap) {
        for (HeapState s : states) {
            if (s.heap.refersTo(heap)) {
                return s;
            }
        }
        return null;
    }

    private static HeapState observe(Heap heap, int id, Obmalloc alloc) {
        HeapState s = new HeapState(heap, id, alloc);
        synchronized (LOCK) {
            HeapState[] old = states;
            HeapState[] next = Arrays.copyOf(old, old.length + 1);
            next[old.length] = s;
            states = next;
        }
        for (HeapState d : states) {
            if (d.heap.refersTo(null)) {
                forget(d); // dropped without close()
            }
        }
        return s;
    }

    static void forget(HeapState s) {
        synchronized (LOCK) {
            HeapState[] old = states;
            int i = Arrays.asList(old).indexOf(s);
            if (i < 0) {
                return;
            }
            HeapState[] next = new HeapState[old.length - 1];
            System.arraycopy(old, 0, next, 0, i);
            System.arraycopy(old, i + 1, next, i, old.length - i - 1);
            states = next.length == 0 ? NONE : next;
        }
        ObjectName name;
        synchronized (s) {
            name = s.mxBeanName;
            s.mxBeanName = null;
        }
        if (name != null) {
            Jmx.unregister(name);
        }
    }
}
