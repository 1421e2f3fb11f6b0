package org.refheap.demo;

import org.refheap.Gc;
import org.refheap.Heap;
import org.refheap.RefHeapException;
import org.refheap.Ref;
import org.refheap.StructOptions;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A short tour of refheap for someone who knows CPython's memory model: reference counts you can
 * watch, objects freed the instant their count drops, and the cycle that reference counting alone
 * cannot free, the collector that can, and the latency pattern. Run with {@code make tour}.
 */
public final class Tour {
    private Tour() {
    }

    public static void main(String[] args) {
        try (Heap heap = Heap.create()) {
            System.out.println("refheap tour: a private off-heap heap managed the way CPython manages its own");
            System.out.println("  " + heap);
            System.out.println();

            StructLayout nodeLayout = MemoryLayout.structLayout(
                    JAVA_LONG.withName("value"),
                    ADDRESS.withName("other"));
            StructType nodeType = heap.defineStruct("Node", nodeLayout);
            StructType.Field value = nodeType.field("value");
            StructType.Field other = nodeType.field("other");

            section("1. Reference counts, as sys.getrefcount shows them");
            long x = nodeType.allocate();
            long holder = heap.newList();
            System.out.println("   x = Node()                 getrefcount(x) = " + heap.getrefcount(x)
                    + "   (Python prints " + (heap.getrefcount(x) + 1) + ": its argument holds one more)");
            heap.lists().append(holder, x);
            System.out.println("   holder.append(x)           getrefcount(x) = " + heap.getrefcount(x)
                    + "   (Python: " + (heap.getrefcount(x) + 1) + ")");
            heap.lists().clear(holder);
            System.out.println("   holder.clear()             getrefcount(x) = " + heap.getrefcount(x)
                    + "   (Python: " + (heap.getrefcount(x) + 1) + ")");
            System.out.println();

            section("2. Freed the instant the count reaches zero");
            System.out.println("   before del x: " + figures(heap));
            heap.decref(x);
            System.out.println("   after  del x: " + figures(heap));
            try {
                heap.getrefcount(x);
            } catch (RefHeapException e) {
                System.out.println("   touching x now is an exception, not a crash:");
                System.out.println("     " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            System.out.println("   with try-with-resources the release is deterministic (the __exit__ way):");
            try (Ref r = heap.own(nodeType.allocate())) {
                value.setLong(r.get(), 42);
                System.out.println("     inside the block:  " + figures(heap));
            }
            System.out.println("     after the block:   " + figures(heap));
            System.out.println();

            section("3. A cycle that reference counting cannot free");
            long a = nodeType.allocate();
            long b = nodeType.allocate();
            other.setRef(a, b);
            other.setRef(b, a);
            System.out.println("   a.other = b; b.other = a   getrefcount(a) = " + heap.getrefcount(a)
                    + ", getrefcount(b) = " + heap.getrefcount(b));
            heap.decref(a);
            heap.decref(b);
            System.out.println("   del a; del b               " + figures(heap));
            System.out.println("   Each still holds the other, so neither count reaches zero: the two Nodes");
            System.out.println("   are unreachable garbage that only a cycle collector can reclaim.");
            System.out.println();

            section("4. The cycle collector (CPython's gc module)");
            Gc gc = heap.gc();
            System.out.println("   gc.getThreshold()          " + Arrays.toString(gc.getThreshold()));
            System.out.println("   gc.getCount()              " + Arrays.toString(gc.getCount())
                    + "   (tracked allocations minus deallocations since the last collection, ...)");
            long found = gc.collect();
            System.out.println("   gc.collect()               " + found + " unreachable objects found; " + figures(heap));
            System.out.println();

            section("5. A finalizer (__del__) runs when the collector gets to its cycle");
            StructType resource = heap.defineStruct("Resource", MemoryLayout.structLayout(ADDRESS.withName("peer")),
                    StructOptions.DEFAULT.withFinalizer(obj -> System.out.println(
                            "     __del__ called for Resource 0x" + Long.toHexString(obj))));
            StructType.Field peer = resource.field("peer");
            long r1 = resource.allocate();
            long r2 = resource.allocate();
            peer.setRef(r1, r2);
            peer.setRef(r2, r1);
            heap.decref(r1);
            heap.decref(r2);
            System.out.println("   two Resources in a cycle, dropped: nothing printed yet; gc.collect():");
            found = gc.collect();
            System.out.println("   collected " + found + "; " + figures(heap));
            System.out.println("   (a Ref in try-with-resources releases at the end of its block instead: deterministic)");
            System.out.println();

            section("6. The latency pattern: no collection inside the hot loop, collect by hand in idle time");
            gc.disable();
            long before = gc.getStats().get(0).collections();
            for (int i = 0; i < 100_000; i++) {
                long p = nodeType.allocate();
                long q = nodeType.allocate();
                other.setRef(p, q);
                other.setRef(q, p);
                heap.decref(p);
                heap.decref(q);
            }
            System.out.println("   gc.disable(); 100000 cyclic pairs made and dropped: "
                    + (gc.getStats().get(0).collections() - before) + " collections ran, " + figures(heap));
            long t0 = System.nanoTime();
            found = gc.collect();
            long pause = System.nanoTime() - t0;
            gc.enable();
            System.out.printf("   gc.collect() in the idle gap: %d objects reclaimed in %.2f ms; %s%n", found,
                    pause / 1e6, figures(heap));
            heap.decref(holder);
        }
    }

    private static void section(String title) {
        System.out.println(title);
    }

    private static String figures(Heap heap) {
        return heap.liveObjects() + " live objects " + heap.stats().liveByType() + ", " + heap.bytesInUse()
                + " bytes in use";
    }
}
