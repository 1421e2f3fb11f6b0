/**
 * Reserving, committing and releasing native memory: {@code mmap}, {@code madvise} and
 * {@code munmap} through FFM downcalls, and the one confined {@code MemorySegment} through which
 * every byte of a heap is read and written. Nothing here knows about objects.
 */
package org.refheap.memory;
