package org.refheap.memory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReservationTest {
    private static final long PAGE = 4096;
    private static final long SIZE = 16 * PAGE;
    private Reservation res;

    @AfterEach
    void close() {
        if (res != null && res.isOpen()) {
            res.close();
        }
    }

    /** Writes a distinct word at the start and end of every page. */
    private void fill() {
        for (long p = 0; p < SIZE; p += PAGE) {
            res.segment().set(JAVA_LONG, p, 0x5eed_0000L + p);
            res.segment().set(JAVA_LONG, p + PAGE - 8, ~p);
        }
    }

    private void assertIntact() {
        for (long p = 0; p < SIZE; p += PAGE) {
            assertEquals(0x5eed_0000L + p, res.segment().get(JAVA_LONG, p), "page at offset " + p);
            assertEquals(~p, res.segment().get(JAVA_LONG, p + PAGE - 8), "end of page at offset " + p);
        }
    }

    @Test
    void shouldKeepTheSystemCallsOutOfReachOfUserCode() throws ClassNotFoundException {
        Class<?> c = Class.forName("org.refheap.memory.NativeMemory");
        assertFalse(Modifier.isPublic(c.getModifiers()), "NativeMemory must not be public");
        for (Method m : c.getDeclaredMethods()) {
            assertFalse(Modifier.isPublic(m.getModifiers()), m + " must not be public");
        }
    }

    @Test
    void shouldRefuseToDecommitOutsideItsRangeAndLeaveTheMemoryIntact() {
        res = new Reservation(SIZE, 1 << 20);
        long base = res.base();
        fill();
        long[][] bad = {
                {base - PAGE, PAGE},             // the slack below: mapped, but not ours to give away
                {base + SIZE, PAGE},             // the slack above
                {base + SIZE - PAGE, 2 * PAGE},  // straddles the end
                {base - PAGE, 2 * PAGE},         // straddles the start
                {base + 8, PAGE},                // unaligned address
                {base, 100},                     // not whole pages
                {base, -PAGE},                   // negative
                {base + PAGE, Long.MAX_VALUE & -PAGE}, // the end would overflow
                {Long.MAX_VALUE & -PAGE, PAGE},  // far away
        };
        for (long[] r : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> res.decommit(r[0], r[1]), () -> "decommit(0x" + Long.toHexString(r[0]) + ", " + r[1] + ")");
            assertTrue(e.getMessage().contains(Long.toHexString(r[0])) && e.getMessage().contains(Long.toString(r[1])),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> res.touch(r[0], r[1]));
        }
        assertIntact();
    }

    @Test
    void shouldDecommitItsOwnPagesToZeros() {
        res = new Reservation(SIZE, 1 << 20);
        fill();
        res.decommit(res.base() + 2 * PAGE, 3 * PAGE);
        for (long p = 0; p < SIZE; p += PAGE) {
            boolean gone = p >= 2 * PAGE && p < 5 * PAGE;
            assertEquals(gone ? 0 : 0x5eed_0000L + p, res.segment().get(JAVA_LONG, p), "page at offset " + p);
        }
        res.decommit(res.base(), 0); // an empty range inside is fine and does nothing
        res.decommit(res.base(), SIZE);
        assertEquals(0, res.segment().get(JAVA_LONG, SIZE - 8));
    }

    @Test
    void shouldTouchWithoutChangingWhatIsThere() {
        res = new Reservation(SIZE, 1 << 20);
        fill();
        res.touch(res.base(), SIZE);
        assertIntact();
    }

    @Test
    void shouldRefuseDecommitAfterCloseAndFromAnotherThread() throws InterruptedException {
        res = new Reservation(SIZE, 1 << 20);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                res.decommit(res.base(), PAGE);
            } catch (Throwable e) {
                seen.set(e);
            }
        });
        t.start();
        t.join();
        assertInstanceOf(WrongThreadException.class, seen.get());
        res.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> res.decommit(res.base(), PAGE));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void shouldRefuseBadSizesBeforeReserving() {
        assertThrows(IllegalArgumentException.class, () -> new Reservation(0, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new Reservation(-PAGE, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new Reservation(Long.MAX_VALUE, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new Reservation(SIZE, 3));
    }

    @Test
    void shouldUnmapWhatItReservedWhenTheConstructorFails() {
        long size = (1L << 30) + 7 * PAGE; // an odd length, so that no other mapping is likely to match it
        long alignment = 1 << 20;
        AtomicLong raw = new AtomicLong();
        RuntimeException boom = new RuntimeException("after mmap");
        RuntimeException e = assertThrows(RuntimeException.class, () -> new Reservation(size, alignment, r -> {
            raw.set(r);
            assertTrue(covered(r, size + alignment), "mapped while the constructor runs");
            throw boom;
        }));
        assertEquals(boom, e);
        assertFalse(covered(raw.get(), size + alignment),
                "0x" + Long.toHexString(raw.get()) + " is still mapped after the constructor failed");
    }

    /** Whether one mapping of this process covers all of {@code [address, address + bytes)}. */
    private static boolean covered(long address, long bytes) {
        List<String> maps;
        try {
            maps = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : maps) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            if (start <= address && address + bytes <= end) {
                return true;
            }
        }
        return false;
    }

    /**
     * With huge pages the base is aligned to 2 MiB (else a huge page could never start at it), the
     * kernel's answer is reported, and the memory behaves as ever: written, read back, decommitted
     * (which splits a huge page) and read as zeros again. Where this kernel has THP, its smaps shows
     * the advice on the mapping.
     */
    @Test
    void shouldAlignToAHugePageAndStayIntactWhenHugePagesAreAsked() throws IOException {
        long size = 8L << 20;
        res = new Reservation(size, 1 << 20, true);
        assertEquals(0, res.base() % (2L << 20), "base 0x" + Long.toHexString(res.base()) + " is not 2 MiB aligned");
        for (long p = 0; p < size; p += PAGE) {
            res.segment().set(JAVA_LONG, p, p ^ 0x4855_4745L);
        }
        for (long p = 0; p < size; p += PAGE) {
            assertEquals(p ^ 0x4855_4745L, res.segment().get(JAVA_LONG, p), "page at offset " + p);
        }
        res.decommit(res.base() + (2L << 20) + PAGE, PAGE);
        assertEquals(0, res.segment().get(JAVA_LONG, (2L << 20) + PAGE), "a decommitted page reads as zeros");
        assertEquals((2L << 20) ^ 0x4855_4745L, res.segment().get(JAVA_LONG, 2L << 20), "its neighbour is intact");
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (res.hugePages() && Files.isReadable(thp) && !Files.readString(thp).contains("[never]")) {
            String flags = null;
            boolean inside = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ").matcher(line);
                if (m.find()) {
                    inside = Long.parseUnsignedLong(m.group(1), 16) <= res.base()
                            && res.base() < Long.parseUnsignedLong(m.group(2), 16);
                } else if (inside && line.startsWith("VmFlags:")) {
                    flags = line;
                }
            }
            assertTrue(flags != null && flags.contains(" hg"), "the mapping should carry the huge-page advice (hg): " + flags);
        }
        Reservation plain = new Reservation(size, 1 << 20);
        try {
            assertFalse(plain.hugePages(), "no advice was asked");
        } finally {
            plain.close();
        }
    }
}
