package org.refheap;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;

/** Run by {@link HotPathTest} in a JVM started with {@code -Drefheap.disableChecks=true}. */
public final class UncheckedProbe {
    private UncheckedProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("unchecked=" + Heap.UNCHECKED);
        Heap heap = Heap.create();
        StructType t = heap.defineStruct("U", MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("a"),
                ValueLayout.ADDRESS.withName("r")));
        StructType.Field a = t.field("a");
        StructType.Field r = t.field("r");
        long o = t.allocate();
        long s = heap.newStr("held");
        r.setRef(o, s);
        heap.incref(o);
        check(heap.getrefcount(o) == 2 && heap.getrefcount(s) == 2, "counts");
        heap.decref(o);
        System.out.println("counts ok");
        a.setLong(o, 42);
        check(a.getLong(o) == 42 && r.getRef(o) == s, "fields");
        System.out.println("fields ok");
        expect("outside", () -> heap.decref(heap.limit + 4096));
        // The segment is shared (issue 10): the owner check is the heap's own, in this mode too.
        Thread other = new Thread(() -> {
            expect("thread", () -> heap.incref(o));
            expect("thread decref", () -> heap.decref(o));
            expect("thread field", () -> a.getLong(o));
            expect("thread store", () -> r.setRef(o, 0));
        });
        other.start();
        other.join();
        heap.decref(o);
        heap.decref(s);
        check(heap.liveObjects() == 0, "live objects " + heap.liveObjects());
        heap.close();
        expect("closed", () -> heap.incref(o));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("FAIL " + what);
        }
    }

    private static void expect(String what, Runnable r) {
        try {
            r.run();
            System.out.println("FAIL " + what + ": no exception");
        } catch (RuntimeException e) {
            System.out.println(what + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }
}
