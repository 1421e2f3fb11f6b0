/**
 * refheap: a private off-heap object heap for the JVM, managed the way CPython manages its own.
 *
 * <p>Exported: {@link org.refheap} (the whole API: {@code Heap}, its containers, the collector,
 * weak references, the exceptions and {@code Settings}), {@link org.refheap.observe} (the MXBean
 * interface {@code RefHeapMXBean}, which JMX and its clients must see) and {@link org.refheap.alloc}
 * (for {@code ReleasePolicy}, which {@code HeapConfig} takes; the allocator itself cannot be built
 * from outside, its constructor takes a reservation from an unexported package), and the leak
 * hunting tools: {@link org.refheap.trace} (tracemalloc), {@link org.refheap.graph} (objgraph),
 * {@link org.refheap.cache} ({@code LruCache}), {@link org.refheap.weak} (weak collections) and
 * {@link org.refheap.leak}. Not exported: the
 * layouts, the native memory reservation and the demos.
 *
 * <p>refheap calls {@code mmap} and {@code madvise} through FFM downcalls, so run with
 * {@code --enable-native-access=org.refheap} on the module path ({@code =ALL-UNNAMED} on the class
 * path); without it JDK 22-25 print a warning, and later JDKs may refuse.
 */
module org.refheap {
    exports org.refheap;
    exports org.refheap.alloc;
    exports org.refheap.observe;
    exports org.refheap.trace;   // tracemalloc
    exports org.refheap.graph;   // objgraph
    exports org.refheap.cache;   // LruCache
    exports org.refheap.leak;    // LeakCheck and its JUnit 5 extension
    exports org.refheap.weak;    // WeakValueDictionary, WeakKeyDictionary, WeakSet, finalize
    exports org.refheap.share;   // SharedRef: objects other threads read (THREADS.md)

    requires java.management;   // the MXBean (Heap.registerMXBean returns a javax.management.ObjectName)
    requires jdk.jfr;           // the refheap.Collection and refheap.HeapSummary events
    // The order book demo's latency histograms; only the demo needs it, so it is optional.
    requires static HdrHistogram;
    requires org.jctools.core;  // the MPSC queue of other threads' increfs and decrefs
    // Only org.refheap.leak.LeakCheckExtension needs it; a user of that extension has JUnit already.
    requires static org.junit.jupiter.api;
}
