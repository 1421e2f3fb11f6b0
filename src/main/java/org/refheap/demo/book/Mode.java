package org.refheap.demo.book;

/** How a run treats its collector. 1-4 are the demo's rows; 0 shows what happens without any. */
public enum Mode {
    NO_COLLECTION(0, "refheap, collector off", "gc disabled, never collected: what the wipes leak"),
    AUTOMATIC(1, "refheap, gc enabled", "collector on, default thresholds 700/10/10"),
    MANUAL(2, "refheap, collect() in gaps", "gc disabled in bursts, gc.collect() by hand in each idle gap"),
    STEPPED(3, "refheap, collectStep in gaps", "gc disabled in bursts, gc.collect(0) + one gc.collectStep(budget) per gap"),
    JVM(4, "JVM objects, default GC", "the same book from plain Java objects, HashMap/TreeMap, the JVM's default collector");

    public final int number;
    public final String label;
    public final String description;

    Mode(int number, String label, String description) {
        this.number = number;
        this.label = label;
        this.description = description;
    }

    public boolean onRefheap() {
        return this != JVM;
    }

    public static Mode of(int number) {
        for (Mode m : values()) {
            if (m.number == number) {
                return m;
            }
        }
        throw new IllegalArgumentException("no mode " + number + ": expected 0..4");
    }
}
