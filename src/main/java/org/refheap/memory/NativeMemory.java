package org.refheap.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The three system calls refheap needs, as FFM downcalls: {@code mmap} to reserve address space,
 * {@code madvise(MADV_DONTNEED)} to hand committed pages back to the kernel, {@code munmap} to let
 * the reservation go. Linux only (the flag values below are Linux's, the same on x86_64 and aarch64).
 *
 * <p>These are restricted methods: the JVM must run with {@code --enable-native-access=ALL-UNNAMED}
 * (or the module's name) or it prints a warning (JDK 22-23) or refuses (later, with
 * {@code --illegal-native-access=deny}).
 *
 * <p>Package-private on purpose: each call takes any address, so {@code munmap} of a live heap is a
 * JVM crash and {@code madvise(MADV_DONTNEED)} silently zeroes live objects. Only {@link Reservation}
 * calls these, and only on its own range after checking it.
 */
final class NativeMemory {
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4;
    /** The size of a page as the allocator counts it. */
    static final int PAGE_SIZE = 4096;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            throw new UnsupportedOperationException("refheap reserves memory with Linux mmap flags; this is " + os);
        }
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        MADVISE = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private NativeMemory() {
    }

    /**
     * Reserves {@code bytes} of private anonymous address space without committing it
     * ({@code MAP_NORESERVE}: the kernel commits each page on first touch).
     *
     * @return the address of the reservation
     * @throws IllegalStateException when the kernel refuses
     */
    static long reserve(long bytes) {
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap downcall failed", t);
        }
        long address = p.address();
        if (address == -1L || address == 0L) {
            throw new IllegalStateException("mmap refused to reserve " + bytes + " bytes of address space");
        }
        return address;
    }

    /** Releases a reservation made by {@link #reserve}. */
    static void unreserve(long address, long bytes) {
        int rc;
        try {
            rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap downcall failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("munmap(0x" + Long.toHexString(address) + ", " + bytes + ") failed");
        }
    }

    static final int MADV_HUGEPAGE = 14;
    /** A transparent huge page on x86-64 and most arm64 kernels. */
    static final long HUGE_PAGE_SIZE = 2L << 20;

    /**
     * Asks the kernel to back {@code [address, address + bytes)} with transparent huge pages
     * ({@code madvise(MADV_HUGEPAGE)}). Advice only: returns false when the kernel refuses it (THP
     * disabled, or a kernel without it); the range works the same either way.
     */
    static boolean adviseHugePages(long address, long bytes) {
        try {
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(address), bytes, MADV_HUGEPAGE) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
    }

    /**
     * Gives the pages of {@code [address, address + bytes)} back to the kernel. The range stays
     * reserved and reads as zeros when touched again.
     */
    static void decommit(long address, long bytes) {
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(MemorySegment.ofAddress(address), bytes, MADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException("madvise downcall failed", t);
        }
        if (rc != 0) {
            throw new IllegalStateException("madvise(0x" + Long.toHexString(address) + ", " + bytes
                    + ", MADV_DONTNEED) failed");
        }
    }
}
