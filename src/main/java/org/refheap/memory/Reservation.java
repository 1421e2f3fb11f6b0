package org.refheap.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One contiguous range of reserved address space, aligned to {@code alignment}, seen as one
 * {@link MemorySegment} owned by a confined {@link Arena}.
 *
 * <p>Because the segment is confined, every access from a thread other than the creator is a
 * {@link WrongThreadException} and every access after {@link #close()} an
 * {@link IllegalStateException}: a bad access is a Java exception, never a crash. Closing the arena
 * unmaps the whole reservation.
 */
public final class Reservation implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment segment;
    private final long base;
    private final long size;

    /**
     * Reserves {@code size} bytes whose first byte is aligned to {@code alignment} (a power of two).
     * Over-reserves by one alignment unit and uses the aligned part.
     */
    public Reservation(long size, long alignment) {
        if (Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        long rawSize = size + alignment;
        long raw = NativeMemory.reserve(rawSize);
        this.base = (raw + alignment - 1) & -alignment;
        this.size = size;
        this.arena = Arena.ofConfined();
        this.segment = MemorySegment.ofAddress(base)
                .reinterpret(size, arena, ignored -> NativeMemory.unreserve(raw, rawSize));
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Address of the first byte. */
    public long base() {
        return base;
    }

    public long size() {
        return size;
    }

    /** Returns the committed pages of {@code [address, address + bytes)} to the kernel. */
    public void decommit(long address, long bytes) {
        NativeMemory.decommit(address, bytes);
    }

    /** Commits {@code [address, address + bytes)} now by writing one byte per page. */
    public void touch(long address, long bytes) {
        for (long p = address; p < address + bytes; p += NativeMemory.PAGE_SIZE) {
            segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, p - base, (byte) 0);
        }
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Unmaps everything. Any later access through {@link #segment()} is an IllegalStateException. */
    @Override
    public void close() {
        arena.close();
    }
}
