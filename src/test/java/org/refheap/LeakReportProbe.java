package org.refheap;

/** Run by {@link LeakReportTest} with {@code -Drefheap.leakReport=count}: one heap leaks, one does not. */
public final class LeakReportProbe {
    private LeakReportProbe() {
    }

    public static void main(String[] args) {
        Heap leaky = Heap.create();
        leaky.newList(); // forgotten
        leaky.close();
        Heap clean = Heap.create();
        clean.decref(clean.newList());
        clean.close();
        System.out.println("closed cleanly");
    }
}
