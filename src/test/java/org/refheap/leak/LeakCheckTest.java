package org.refheap.leak;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.refheap.Heap;
import org.refheap.trace.Tracemalloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

class LeakCheckTest {
    private Heap heap;
    /** A module-level registry: the commonest leak. */
    private long registry;
    private int leakLine;

    @BeforeEach
    void open() {
        heap = Heap.create();
        registry = heap.newList();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private static int lineHere() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow().getLineNumber());
    }

    private void handleRequest(int i, boolean remember) {
        leakLine = lineHere() + 1;
        long s = heap.newStr("request " + i);
        if (remember) {
            heap.lists().append(registry, s);
        }
        heap.decref(s);
    }

    @Test
    void shouldFailOnAPlantedLeakAndSayWhereWhatAndWhy() {
        LeakCheck check = LeakCheck.begin(heap);
        for (int i = 0; i < 100; i++) {
            handleRequest(i, true);
        }
        LeakError e = assertThrows(LeakError.class, check::end);
        String m = e.getMessage();
        assertEquals(100, e.grown());
        assertTrue(m.contains("org/refheap/leak/LeakCheckTest.java:" + leakLine + ": size=+"), m);
        assertTrue(m.contains("count=+100"), m);
        assertTrue(m.contains("str 100 +100"), m);
        assertTrue(m.contains("list@0x" + Long.toHexString(registry) + " -> str@0x"), m);
        assertTrue(m.contains("held by 1 reference from Java"), m);
        assertFalse(Tracemalloc.of(heap).isTracing(), "the check stops the tracing it started");
    }

    @Test
    void shouldPassWhenEverythingIsReleased() {
        LeakCheck check = LeakCheck.begin(heap);
        for (int i = 0; i < 100; i++) {
            handleRequest(i, false);
        }
        long cycleA = heap.newList();
        long cycleB = heap.newList();
        heap.lists().append(cycleA, cycleB);
        heap.lists().append(cycleB, cycleA);
        heap.decref(cycleA);
        heap.decref(cycleB); // garbage only the collector frees: not a leak
        check.end();
    }

    @Test
    void shouldLeaveTracingOnIfItWasOn() {
        Tracemalloc.of(heap).start(1);
        LeakCheck.begin(heap, 0).end();
        assertTrue(Tracemalloc.of(heap).isTracing());
    }

    /** Run through the launcher only (surefire skips nested classes). */
    @ExtendWith(LeakCheckExtension.class)
    static class Planted {
        Heap heap;
        long registry;

        @BeforeEach
        void open() {
            heap = Heap.create();
            registry = heap.newList();
        }

        @AfterEach
        void close() {
            heap.close();
        }

        @Test
        void leaks() {
            long s = heap.newStr("kept forever");
            heap.lists().append(registry, s);
            heap.decref(s);
        }

        @Test
        void doesNotLeak() {
            long s = heap.newStr("dropped");
            heap.decref(s);
        }
    }

    @Test
    void shouldFailOnlyTheLeakingTestThroughTheJUnitExtension() {
        LauncherDiscoveryRequest req = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Planted.class)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(req, listener);
        TestExecutionSummary s = listener.getSummary();
        assertEquals(2, s.getTestsStartedCount());
        assertEquals(1, s.getTestsFailedCount());
        TestExecutionSummary.Failure f = s.getFailures().get(0);
        assertTrue(f.getTestIdentifier().getDisplayName().startsWith("leaks"), f.getTestIdentifier().getDisplayName());
        LeakError e = assertInstanceOf(LeakError.class, f.getException());
        assertTrue(e.getMessage().contains("str 1 +1"), e.getMessage());
    }
}
