/**
 * Objects that cross threads (issue 10; docs/THREADS.md). One thread owns a heap and alone mutates
 * it; other threads hold {@link org.refheap.share.SharedRef}s to its immutable objects (int, float,
 * str, bytes, None, bool, tuples of those), read them, take further references and drop them. Their
 * increments and decrements never touch a header: they travel to the owner through a JCTools
 * multi-producer single-consumer queue ({@link org.refheap.share.RemoteRefs}) and are applied at the
 * owner's safe points: its next allocation, {@code gc.collect()}, {@code heap.drainRemote()}. This is
 * the biased half of biased reference counting (Choi et al., PACT 2018; PEP 703): the owner's
 * counting stays plain loads and stores.
 *
 * <p>Conventions: methods documented "owner" run on the heap's thread only (the heap calls them, or
 * they check); everything else may run on any thread. The package reaches the heap only through
 * {@link org.refheap.share.HeapDoor}, which only {@code org.refheap} implements.
 */
package org.refheap.share;
