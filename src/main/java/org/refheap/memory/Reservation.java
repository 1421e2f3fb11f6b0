package org.refheap.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.LongConsumer;

/**
 * One contiguous range of reserved address space, aligned to {@code alignment}, seen as one
 * {@link MemorySegment} owned by a shared {@link Arena}.
 *
 * <pre>
 *  raw (what mmap returned)                                     raw + rawSize
 *  |-- slack --|------------------ size ------------------|-- slack --|
 *              base (aligned)                            base + size
 * </pre>
 *
 * <p>Every access is bounds checked, and every access after {@link #close()} is an
 * {@link IllegalStateException}: a bad access is a Java exception, never a crash. Closing the arena
 * unmaps the whole reservation, slack included. {@link #decommit} and {@link #touch} keep that
 * promise too: they act only on whole pages of {@code [base, base + size)}, from the owning thread,
 * while the reservation is open, and refuse anything else before any system call.
 *
 * <p><b>Shared, not confined</b> (issue 10): other threads may read a heap's immutable objects
 * through {@code org.refheap.share.SharedRef}, so the segment must accept them; the owner thread is
 * checked by the heap itself on every public call ({@code Heap.checkOwner}). A shared arena's close
 * is a handshake with every thread: one caught inside an access gets an IllegalStateException, so
 * unmapping is still safe while another thread reads. {@code -Drefheap.confinedArena=true} brings
 * back the confined arena, for measuring what sharing costs (nothing can then be read from other
 * threads).
 */
public final class Reservation implements AutoCloseable {
    private static final long PAGE_SIZE = NativeMemory.PAGE_SIZE;
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();

    private final Arena arena;
    private final MemorySegment segment;
    private final long base;
    private final long size;
    private final Thread owner;
    /**
     * {@code refheap.confinedArena}: the pre-issue-10 confined segment. Read at each construction,
     * not once per JVM, so that one benchmark run can compare both.
     */
    private final boolean confined;
    /** Whether the kernel took {@code MADV_HUGEPAGE} for the reservation. */
    private boolean hugePages;

    /**
     * Reserves {@code size} bytes whose first byte is aligned to {@code alignment} (a power of two).
     * Over-reserves by one alignment unit and uses the aligned part.
     *
     * @throws IllegalArgumentException when {@code size} is not positive or {@code alignment} not a
     *         power of two, or the two overflow together
     * @throws IllegalStateException when the kernel refuses the reservation
     */
    public Reservation(long size, long alignment) {
        this(size, alignment, raw -> { });
    }

    /**
     * As {@link #Reservation(long, long)}; with {@code hugePages}, aligned to at least a huge page (2
     * MiB) and advised to the kernel for transparent huge pages ({@code madvise(MADV_HUGEPAGE)}).
     * A heap whose objects are spread over hundreds of MiB spends much of a collection on TLB misses
     * (the collector follows references in no particular order); 2 MiB pages give the TLB 512 times
     * the reach. The price: memory is committed 2 MiB at a time, and giving back part of a huge page
     * ({@link #decommit}) splits it. Advice only: {@link #hugePages()} tells whether the kernel took it.
     */
    public Reservation(long size, long alignment, boolean hugePages) {
        this(size, hugePages ? Math.max(alignment, NativeMemory.HUGE_PAGE_SIZE) : alignment, raw -> { });
        if (hugePages) {
            this.hugePages = NativeMemory.adviseHugePages(base, size);
        }
    }

    /** Whether the kernel accepted the advice to back this reservation with transparent huge pages. */
    public boolean hugePages() {
        return hugePages;
    }

    /**
     * The constructor proper; {@code afterReserve} sees the raw address right after {@code mmap} so a
     * test can make the rest fail and check that nothing stays mapped.
     */
    Reservation(long size, long alignment, LongConsumer afterReserve) {
        if (Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        if (size <= 0 || size > Long.MAX_VALUE - alignment) {
            throw new IllegalArgumentException("size must be positive and leave room for the alignment "
                    + alignment + ": " + size);
        }
        long rawSize = size + alignment;
        long raw = NativeMemory.reserve(rawSize);
        Arena a = null;
        try {
            afterReserve.accept(raw);
            this.confined = org.refheap.Settings.confinedArena();
            a = confined ? Arena.ofConfined() : Arena.ofShared();
            this.base = (raw + alignment - 1) & -alignment;
            this.size = size;
            this.owner = Thread.currentThread();
            this.segment = MemorySegment.ofAddress(base)
                    .reinterpret(size, a, ignored -> NativeMemory.unreserve(raw, rawSize));
            this.arena = a;
        } catch (Throwable t) {
            // Nothing owns the mapping yet: give it back, or it stays reserved until the JVM exits.
            if (a != null) {
                a.close(); // no cleanup action registered yet, so this does not unmap
            }
            try {
                NativeMemory.unreserve(raw, rawSize);
            } catch (Throwable suppressed) {
                t.addSuppressed(suppressed);
            }
            throw t;
        }
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

    /**
     * Returns the committed pages of {@code [address, address + bytes)} to the kernel; they read as
     * zeros when touched again.
     *
     * @throws IllegalArgumentException unless the range is whole pages inside {@code [base, base + size)}
     * @throws IllegalStateException when the reservation is closed
     * @throws WrongThreadException from any thread but the creator
     */
    public void decommit(long address, long bytes) {
        checkRange("decommit", address, bytes);
        if (bytes != 0) {
            NativeMemory.decommit(address, bytes);
        }
    }

    /**
     * Commits {@code [address, address + bytes)} now by writing one word per page. The write is an
     * atomic add of zero (a plain store of the value just read is a store the JIT may drop), so
     * touching a range that holds data changes nothing.
     *
     * @throws IllegalArgumentException unless the range is whole pages inside {@code [base, base + size)}
     */
    public void touch(long address, long bytes) {
        checkRange("touch", address, bytes);
        for (long off = address - base; off < address - base + bytes; off += PAGE_SIZE) {
            long unused = (long) WORD.getAndAdd(segment, off, 0L);
        }
    }

    /**
     * The one check behind {@link #decommit} and {@link #touch}: page aligned, inside this range
     * (written so that no sum can overflow), owner thread, still open.
     */
    private void checkRange(String op, long address, long bytes) {
        long off = address - base;
        if (bytes < 0 || ((address | bytes) & (PAGE_SIZE - 1)) != 0 || address < base || off > size
                || bytes > size - off) {
            throw new IllegalArgumentException(op + "(0x" + Long.toHexString(address) + ", " + bytes
                    + "): not whole " + PAGE_SIZE + "-byte pages inside the reservation [0x"
                    + Long.toHexString(base) + ", 0x" + Long.toHexString(base + size) + ")");
        }
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException(op + " of a reservation owned by " + owner + " from "
                    + Thread.currentThread());
        }
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(op + "(0x" + Long.toHexString(address) + ", " + bytes
                    + "): the reservation is closed; its range may belong to someone else now");
        }
    }

    /** Whether other threads may access the segment (false only under {@code -Drefheap.confinedArena=true}). */
    public boolean isShared() {
        return !confined;
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
