package org.refheap;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shortcuts the hot paths take must give the answers the slow paths give: the size class a
 * type records for its instances is the one the allocator gave their blocks, the live count summed
 * when asked equals the objects there are, the quick check accepts exactly what the full check
 * accepts, and with checks disabled a bad address is still an exception, not a crash.
 */
class HotPathTest {

    @Test
    void shouldRecordTheAllocatorsSizeClassForEveryFixedSizeType() {
        try (Heap heap = Heap.create()) {
            List<Long> objs = new ArrayList<>();
            for (int longs = 0; longs <= 70; longs++) {
                for (boolean withRef : new boolean[] {false, true}) {
                    List<MemoryLayout> members = new ArrayList<>();
                    for (int i = 0; i < longs; i++) {
                        members.add(ValueLayout.JAVA_LONG.withName("f" + i));
                    }
                    if (withRef) {
                        members.add(ValueLayout.ADDRESS.withName("ref"));
                    }
                    StructLayout layout = MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new));
                    StructType t = heap.defineStruct("S" + longs + withRef, layout);
                    long obj = t.allocate();
                    objs.add(obj);
                    long block = withRef ? obj - 16 : obj;
                    int slot = heap.typeInfo(heap.getLong(obj + 8));
                    int sz = (slot >>> TypeArea.SLOT_SZIDX_SHIFT) & TypeArea.SLOT_SZIDX_MASK;
                    long bytes = heap.alloc.usableSize(block);
                    if (bytes <= org.refheap.alloc.SizeClasses.SMALL_REQUEST_THRESHOLD) {
                        assertTrue(sz != 0, t + " has a small block but records no size class");
                        assertEquals(bytes, org.refheap.alloc.SizeClasses.size(sz - 1), t.toString());
                    } else {
                        assertEquals(0, sz, t + " has a large block but records a size class");
                    }
                }
            }
            // Variable-size types never record one.
            for (String name : new String[] {"str", "bytes", "tuple"}) {
                PyType pt = heap.type(name);
                assertEquals(0, (heap.typeInfo(pt.address) >>> TypeArea.SLOT_SZIDX_SHIFT) & TypeArea.SLOT_SZIDX_MASK, name);
            }
            assertEquals(objs.size(), heap.liveObjects());
            for (long o : objs) {
                heap.decref(o);
            }
            assertEquals(0, heap.liveObjects());
            assertEquals(0, heap.bytesInUse());
            heap.verify();
        }
    }

    @Test
    void shouldCountLiveObjectsAndBytesExactlyThroughCacheTraffic() {
        try (Heap heap = Heap.create()) {
            StructType t = heap.defineStruct("P", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("a")));
            long[] objs = new long[500];
            java.util.Random rnd = new java.util.Random(7);
            int live = 0;
            for (int step = 0; step < 20_000; step++) {
                int i = rnd.nextInt(objs.length);
                if (objs[i] == 0) {
                    objs[i] = t.allocate();
                    live++;
                } else {
                    heap.decref(objs[i]);
                    objs[i] = 0;
                    live--;
                }
                if (step % 997 == 0) {
                    assertEquals(live, heap.liveObjects());
                    assertEquals(live, heap.liveObjects("P"));
                    assertEquals(live * heap.alloc.usableSize(firstLive(objs)), heap.bytesInUse());
                    assertTrue(heap.stats().peakBytesInUse() >= heap.bytesInUse());
                    heap.verify();
                }
            }
            for (long o : objs) {
                if (o != 0) {
                    heap.decref(o);
                }
            }
            assertEquals(0, heap.bytesInUse());
        }
    }

    private static long firstLive(long[] objs) {
        for (long o : objs) {
            if (o != 0) {
                return o;
            }
        }
        throw new AssertionError("none live");
    }

    /** Every address the full check refuses, the quick check refuses too (it may refuse more). */
    @Test
    void shouldNeverAcceptWhatTheFullCheckRefuses() {
        try (Heap heap = Heap.create()) {
            StructType t = heap.defineStruct("Q", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("a"),
                    ValueLayout.ADDRESS.withName("r")));
            long a = t.allocate();
            long list = heap.newList();
            heap.lists().append(list, heap.newStr("x"));
            long freed = t.allocate();
            heap.decref(freed);
            long[] probes = {a, list, freed, a + 8, a + 16, a - 16, list + 16, heap.base, heap.limit - 16, heap.limit,
                    heap.base - 16, 0, -16, Long.MIN_VALUE, Long.MAX_VALUE & -16L, heap.none(), heap.typeBlockForTest()};
            for (long p : probes) {
                long quick = heap.quickCount(p);
                if (quick > 0) {
                    assertEquals(heap.checkLive(p), quick, "0x" + Long.toHexString(p));
                }
            }
            assertEquals(0, heap.quickCount(freed));
            assertThrows(RefcountException.class, () -> heap.decref(freed));
            heap.decref(a);
            heap.decref(list);
        }
    }

    /**
     * An atom freed by its last decref (the free that now takes the type word from the decref's own
     * check, its block going to the allocator's cache): every checked operation still names it
     * freed, and the next allocation of its size reuses the block as a live object again.
     */
    @Test
    void shouldRefuseAnAtomFreedByItsLastDecref() {
        try (Heap heap = Heap.create()) {
            StructType t = heap.defineStruct("A", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("a"),
                    ValueLayout.JAVA_LONG.withName("b")));
            StructType.Field a = t.field("a");
            long keep = t.allocate(); // the pool keeps a block in use, so the freed one goes to the cache
            long freed = t.allocate();
            heap.decref(freed);
            assertFalse(heap.isLive(freed));
            assertEquals(0, heap.quickCount(freed));
            assertThrows(UseAfterFreeException.class, () -> heap.incref(freed));
            RefcountException e = assertThrows(RefcountException.class, () -> heap.decref(freed));
            assertTrue(e.getMessage().contains("freed"), e.getMessage());
            assertThrows(UseAfterFreeException.class, () -> heap.getrefcount(freed));
            assertThrows(UseAfterFreeException.class, () -> a.getLong(freed));
            assertThrows(UseAfterFreeException.class, () -> a.setLong(freed, 1));
            long list = heap.newList();
            assertThrows(NotAnObjectException.class, () -> heap.lists().append(list, freed));
            heap.verify();
            long again = t.allocate();
            assertEquals(freed, again, "the cache hands the block back first");
            assertEquals(1, heap.getrefcount(again));
            assertEquals(0, a.getLong(again));
            heap.decref(again);
            heap.decref(keep);
            heap.decref(list);
            assertEquals(0, heap.liveObjects());
            heap.verify();
        }
    }

    /**
     * A decref too many through the API while a list still holds the atom: the list's own release
     * later must be refused and reported (the atom's freed type word, its count being a stale 1 while
     * its block is cached), never free the block a second time, which would hand one block to two
     * later allocations.
     */
    @Test
    void shouldNotFreeACachedAtomTwiceWhenAContainerStillHeldIt() {
        try (Heap heap = Heap.create()) {
            List<String> reported = new ArrayList<>();
            heap.setUnraisableHook((where, t) -> reported.add(t.getMessage()));
            StructType t = heap.defineStruct("A", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("a")));
            long keep = t.allocate(); // the pool keeps a block in use, so the freed one goes to the cache
            long x = t.allocate();
            long list = heap.newList();
            heap.lists().append(list, x); // count 2
            heap.decref(x);
            heap.decref(x); // one too many: freed while the list still holds it
            assertFalse(heap.isLive(x));
            heap.decref(list); // releases its item: must be refused, not a second free
            assertEquals(1, reported.size(), reported.toString());
            assertTrue(reported.get(0).contains("would drop below zero"), reported.get(0));
            long a = t.allocate();
            long b = t.allocate();
            assertTrue(a != b, "one block handed out twice: 0x" + Long.toHexString(a));
            heap.decref(a);
            heap.decref(b);
            heap.decref(keep);
            assertEquals(0, heap.liveObjects());
            heap.verify();
        }
    }

    /**
     * {@code -Drefheap.disableChecks=true} in a JVM of its own (the setting is read once): the
     * operations work, and a bad address, another thread and a closed heap are still exceptions.
     */
    @Test
    void shouldStayCrashFreeWithChecksDisabled() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Drefheap.disableChecks=true",
                "-cp", System.getProperty("java.class.path"), UncheckedProbe.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "probe did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        for (String expect : new String[] {"unchecked=true", "counts ok", "fields ok", "outside: IndexOutOfBoundsException",
                "thread: WrongThreadException", "thread decref: WrongThreadException",
                "thread field: WrongThreadException", "thread store: WrongThreadException", "closed: IllegalStateException"}) {
            assertTrue(out.contains(expect), "missing '" + expect + "' in:\n" + out);
        }
        assertFalse(out.contains("FAIL"), out);
    }
}
