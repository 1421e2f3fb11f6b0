/**
 * Reserving, committing and releasing native memory: {@code mmap}, {@code madvise} and
 * {@code munmap} through FFM downcalls, and the one confined {@code MemorySegment} through which
 * every byte of a heap is read and written. Nothing here knows about objects.
 *
 * <p>Only {@link org.refheap.memory.Reservation} is public, and it acts only on whole pages of its
 * own range: the raw system calls take any address, and a wrong one unmaps or zeroes a live heap.
 */
package org.refheap.memory;
