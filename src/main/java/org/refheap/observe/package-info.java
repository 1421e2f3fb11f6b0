/**
 * Observing heaps from outside their thread: JDK Flight Recorder events ({@code refheap.Collection},
 * {@code refheap.HeapSummary}) and a JMX MXBean per heap ({@link org.refheap.observe.RefHeapMXBean},
 * {@code org.refheap:type=Heap,id=<n>}, registered by {@link org.refheap.Heap#registerMXBean()}).
 *
 * <h2>The threading rule</h2>
 * A heap belongs to its thread: every {@code Heap} method throws {@link WrongThreadException}
 * elsewhere. JFR's periodic events run on a JFR thread and JMX calls on the caller's thread, so
 * neither ever calls the heap. The owner thread publishes a snapshot of the figures instead, at the
 * end of every collection and every pause-bounded step (and on {@code registerMXBean()}); the JFR
 * and JMX threads read that snapshot (under a {@link java.util.concurrent.locks.StampedLock}
 * optimistic read: readers never block the owner). So the figures are as of the last collection,
 * step or {@code registerMXBean()} call; {@link org.refheap.observe.RefHeapMXBean#getSnapshotTimeMillis()}
 * and the summary event's {@code publishedAt} say when that was.
 *
 * <h2>Cost when nobody looks</h2>
 * Until a heap is observed (its MXBean registered, or a JFR recorder initialized with a refheap event
 * enabled) each collection and step pays one volatile read of an empty array and, for JFR, one static
 * volatile read ({@code FlightRecorder.isInitialized()}): no allocation, no JFR class initialization
 * (which costs a few hundred milliseconds when JFR is not in use). See docs/OBSERVE.md.
 */
package org.refheap.observe;
