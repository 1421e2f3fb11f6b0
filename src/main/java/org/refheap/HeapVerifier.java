package org.refheap;

import java.util.Arrays;

import static org.refheap.layout.BuiltinLayouts.*;
import static org.refheap.layout.ObjectLayout.GC_HEAD_SIZE;
import static org.refheap.layout.ObjectLayout.IMMORTAL;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.*;

/**
 * {@link Heap#verify()}: one pass over everything the heap knows, throwing
 * {@link HeapCorruptedException} at the first inconsistency. In order:
 * <ol>
 * <li>no dealloc or collection is half done;</li>
 * <li>every generation list (and the pause-bounded collector's chain, set and garbage) is a well
 *     formed doubly linked ring of live containers, each on exactly one list, with no collector flag
 *     left but FINALIZED (and CONDEMNED on the garbage list);</li>
 * <li>the candidate root buffer holds exactly the tracked containers flagged BUFFERED;</li>
 * <li>the allocator's own records agree ({@code Obmalloc.verify});</li>
 * <li>every allocated block is a live object or a raw block with exactly one owner (a list's items,
 *     a dict's table, the type area, a list head): anything else is a leak; the live-object figures,
 *     in total and per type, equal what the blocks hold; every container is tracked but untracked
 *     tuples, and an untracked tuple holds nothing that could make it part of a cycle;</li>
 * <li>every reference a container holds points at a live object whose count is at least the
 *     references to it, and every weakref and its referent's weaklist agree.</li>
 * </ol>
 * Arrays of addresses, sorted, stand in for sets: 8 bytes per object and per reference.
 */
final class HeapVerifier {
    private final Heap h;
    private final Collector c;
    private final IncrementalCollector inc;
    private final Gc.LongList tracked = new Gc.LongList();
    private long[] trackedSorted;
    private final long maxNodes;

    HeapVerifier(Heap heap) {
        this.h = heap;
        this.c = heap.collector();
        this.inc = c.inc;
        this.maxNodes = heap.alloc.bytesInUse() / 32 + 16;
    }

    void run() {
        for (int i = 0; i < Collector.NUM_GENERATIONS; i++) {
            walk(c.gen[i], "generation " + i, false);
        }
        walk(c.permanent, "the permanent generation", false);
        walkEmpty(c.tmpB(), "the collector's temporary list B");
        walkEmpty(c.tmpC(), "the collector's temporary list C");
        if (inc.active()) {
            walk(inc.chainHead(), "the pause-bounded chain", inc.chainIsCondemned());
            walk(inc.garbageHead(), "the pause-bounded garbage", true);
            walkSet();
        } else {
            walkEmpty(inc.chainHead(), "the pause-bounded chain");
            walkEmpty(inc.garbageHead(), "the pause-bounded garbage");
            if (inc.setSize() != 0 || h.barrier) {
                fail("no pause-bounded cycle is under way, yet its set holds " + inc.setSize() + " slots (barrier "
                        + h.barrier + ")");
            }
        }
        trackedSorted = tracked.toArray();
        Arrays.sort(trackedSorted);
        for (int i = 1; i < trackedSorted.length; i++) {
            if (trackedSorted[i] == trackedSorted[i - 1]) {
                fail(h.describe(trackedSorted[i]) + " is on two of the collector's lists");
            }
        }
        checkRootBuffer();
        try {
            h.alloc.verify();
        } catch (IllegalStateException e) {
            fail("the allocator is inconsistent: " + e.getMessage());
        }
        scanBlocks();
        checkReferences();
    }

    /**
     * The candidate root buffer holds exactly the tracked containers that carry BUFFERED: every
     * buffered address is a live tracked container (never a freed one, nor a later object at its
     * address: dealloc takes it out first) flagged BUFFERED, and every flagged container is buffered.
     * The default mode buffers nothing.
     */
    private void checkRootBuffer() {
        long[] roots = c.roots.toArray();
        if (roots.length != c.roots.size()) {
            fail("the root buffer counts " + c.roots.size() + " roots but holds " + roots.length);
        }
        if (!c.lowLatency && roots.length != 0) {
            fail("the root buffer holds " + roots.length + " roots in the generational mode");
        }
        for (long obj : roots) {
            if (!isObject(obj) || !isTracked(obj)) {
                fail("the root buffer holds 0x" + Long.toHexString(obj) + ", which is not a live tracked container: "
                        + h.describe(obj));
            }
            if ((h.getLong(obj - GC_HEAD_SIZE + 8) & Collector.BUFFERED) == 0) {
                fail("the root buffer holds " + h.describe(obj) + ", which is not flagged BUFFERED");
            }
        }
        long flagged = 0;
        for (long obj : trackedSorted) {
            if ((h.getLong(obj - GC_HEAD_SIZE + 8) & Collector.BUFFERED) != 0) {
                flagged++;
                if (!c.roots.contains(obj)) {
                    fail(h.describe(obj) + " is flagged BUFFERED but is not in the root buffer");
                }
            }
        }
        if (flagged != roots.length) {
            fail(flagged + " containers are flagged BUFFERED but the root buffer holds " + roots.length);
        }
    }

    // ------------------------------------------------------------------ every block

    /** Untracked tuples found by the block scan: their items are references too. */
    private final Gc.LongList untracked = new Gc.LongList();

    /**
     * Every allocated block is an object (immortal or counted in the figures, a container on one of
     * the collector's lists unless it is an untracked tuple) or a raw block that exactly one owner
     * holds: a list's items, a dict's table, the type area, a list head. Anything else is a leak.
     */
    private void scanBlocks() {
        Gc.LongList raw = new Gc.LongList();
        raw.add(h.typeAreaBlock());
        for (long head : c.heads) {
            raw.add(head);
        }
        Gc.LongList owners = new Gc.LongList();
        for (long obj : trackedSorted) {
            owners.add(obj);
        }
        long garbageList = h.gcFace().garbageIfMade();
        if (garbageList != 0) {
            owners.add(garbageList);
        }
        for (int i = 0; i < owners.size(); i++) {
            long obj = owners.get(i);
            long type = h.getLong(obj + TYPE);
            int kind = h.getInt(type + TP_KIND);
            if (kind == KIND_DICT) {
                h.dicts().rawBlocks(obj, raw);
            } else if (kind == KIND_LIST && h.getLong(obj + LIST_ITEMS) != 0) {
                raw.add(h.getLong(obj + LIST_ITEMS));
            }
        }
        long[] rawSorted = raw.toArray();
        Arrays.sort(rawSorted);
        for (int i = 1; i < rawSorted.length; i++) {
            if (rawSorted[i] == rawSorted[i - 1]) {
                fail("the raw block 0x" + Long.toHexString(rawSorted[i]) + " has two owners");
            }
        }
        Gc.LongList blocks = new Gc.LongList();
        h.alloc.forEachAllocatedBlock(blocks::add);
        long[] perType = new long[h.typeCount()];
        long mortal = 0;
        int rawSeen = 0;
        for (int i = 0; i < blocks.size(); i++) {
            long block = blocks.get(i);
            if (Arrays.binarySearch(rawSorted, block) >= 0) {
                rawSeen++;
                continue;
            }
            long obj = objectIn(block);
            if (obj == 0) {
                fail("the allocated block 0x" + Long.toHexString(block) + " (" + h.alloc.usableSize(block)
                        + " bytes) holds no live object and belongs to no container: a leak");
            }
            if (h.getLong(obj) >= IMMORTAL) {
                continue;
            }
            mortal++;
            long type = h.getLong(obj + TYPE);
            perType[h.getInt(type + TP_ID)]++;
            if (h.isContainerType(type) && !isTracked(obj)) {
                if (h.getLong(obj - GC_HEAD_SIZE) != 0) {
                    fail(h.describe(obj) + " is marked tracked but is on none of the collector's lists");
                }
                if (h.getInt(type + TP_KIND) != KIND_TUPLE) {
                    fail(h.describe(obj) + " is a container the collector does not track");
                }
                untracked.add(obj);
            }
        }
        if (rawSeen != rawSorted.length) {
            fail((rawSorted.length - rawSeen) + " raw blocks that containers point at are not allocated (freed"
                    + " under their owner?)");
        }
        if (mortal != h.liveObjects()) {
            fail("the heap counts " + h.liveObjects() + " live objects but holds " + mortal);
        }
        for (int t = 0; t < perType.length; t++) {
            if (perType[t] != h.liveObjectsOfType(t)) {
                fail("the heap counts " + h.liveObjectsOfType(t) + " live objects of type " + h.typeNameById(t)
                        + " but holds " + perType[t]);
            }
        }
    }

    /** The live object whose block starts at {@code block} (its header at +0, or +16 after a GC head), or 0. */
    private long objectIn(long block) {
        long t0 = h.getLong(block + TYPE);
        if (h.isTypeObject(t0) && !h.isContainerType(t0) && h.getLong(block) > 0) {
            return block;
        }
        if (h.alloc.usableSize(block) >= GC_HEAD_SIZE + 16) {
            long t1 = h.getLong(block + GC_HEAD_SIZE + TYPE);
            if (h.isTypeObject(t1) && h.isContainerType(t1) && h.getLong(block + GC_HEAD_SIZE) > 0) {
                return block + GC_HEAD_SIZE;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ lists

    private void walk(long head, String name, boolean garbage) {
        long prev = head;
        long count = 0;
        for (long g = h.getLong(head); g != head; g = h.getLong(g)) {
            if ((g & 15) != 0) {
                fail(name + ": the link after 0x" + Long.toHexString(prev) + " is 0x" + Long.toHexString(g)
                        + ", not an aligned GC head (a collector mark left behind?)");
            }
            long obj = g + GC_HEAD_SIZE;
            checkLiveContainer(obj, name);
            long prevWord = h.getLong(g + 8);
            if ((prevWord & ~15L) != prev) {
                fail(name + ": " + h.describe(obj) + " links back to 0x" + Long.toHexString(prevWord & ~15L)
                        + " instead of 0x" + Long.toHexString(prev));
            }
            long flags = prevWord & 15;
            long allowed = Collector.KEPT | (garbage ? Collector.CONDEMNED : 0);
            if ((flags & ~allowed) != 0) {
                fail(name + ": " + h.describe(obj) + " carries collector flags 0x" + Long.toHexString(flags)
                        + " between collections");
            }
            if (garbage && (flags & Collector.CONDEMNED) == 0) {
                fail(name + ": " + h.describe(obj) + " is not marked CONDEMNED");
            }
            tracked.add(obj);
            prev = g;
            if (++count > maxNodes) {
                fail(name + " does not come back to its head after " + count + " objects (a cycle in the list)");
            }
        }
        if ((h.getLong(head + 8) & ~15L) != prev) {
            fail(name + ": its head links back to 0x" + Long.toHexString(h.getLong(head + 8))
                    + " instead of its last object 0x" + Long.toHexString(prev));
        }
    }

    private void walkEmpty(long head, String name) {
        if (h.getLong(head) != head || h.getLong(head + 8) != head) {
            fail(name + " should be empty between collections");
        }
    }

    private void walkSet() {
        for (int i = 0; i < inc.setSize(); i++) {
            long obj = inc.setObject(i);
            if (obj == 0) {
                continue;
            }
            checkLiveContainer(obj, "the pause-bounded set");
            long next = h.getLong(obj - GC_HEAD_SIZE);
            if (next != (((long) i << 4) | IncrementalCollector.TAG)) {
                fail("the pause-bounded set: " + h.describe(obj) + " in slot " + i + " has gc_next 0x"
                        + Long.toHexString(next));
            }
            tracked.add(obj);
        }
    }

    private void checkLiveContainer(long obj, String where) {
        if (!isObject(obj)) {
            fail(where + " holds 0x" + Long.toHexString(obj) + ", which is not a live object: " + h.describe(obj));
        }
        if (!h.isContainerType(h.getLong(obj + TYPE))) {
            fail(where + " holds " + h.describe(obj) + ", which is not a container");
        }
    }

    private boolean isObject(long obj) {
        return obj != 0 && (obj & 15) == 0 && obj - h.base >= 0 && obj - h.base <= h.limit - h.base - 16
                && h.isTypeObject(h.getLong(obj + TYPE)) && h.getLong(obj) > 0;
    }

    private boolean isTracked(long obj) {
        return Arrays.binarySearch(trackedSorted, obj) >= 0;
    }

    // ------------------------------------------------------------------ references

    private void checkReferences() {
        Gc.LongList edges = new Gc.LongList();
        Gc.LongList refs = new Gc.LongList();
        Gc.LongList untrackedTuples = new Gc.LongList();
        java.util.HashSet<Long> seenTuples = new java.util.HashSet<>();
        long garbageList = h.gcFace().garbageIfMade();
        Gc.LongList sources = new Gc.LongList();
        for (long obj : trackedSorted) {
            sources.add(obj);
        }
        if (garbageList != 0) {
            sources.add(garbageList);
        }
        for (int i = 0; i < untracked.size(); i++) {
            sources.add(untracked.get(i));
            seenTuples.add(untracked.get(i));
        }
        for (int s = 0; s < sources.size() || s - sources.size() < untrackedTuples.size(); s++) {
            long from = s < sources.size() ? sources.get(s) : untrackedTuples.get(s - sources.size());
            refs.clear();
            c.referents(from, refs);
            long type = h.getLong(from + TYPE);
            boolean isWeakref = h.getInt(type + TP_KIND) == KIND_WEAKREF;
            for (int i = 0; i < refs.size(); i++) {
                long to = refs.get(i);
                if (!isObject(to)) {
                    fail(h.describe(from) + " holds a reference to 0x" + Long.toHexString(to) + ", which is not a"
                            + " live object: " + h.describe(to));
                }
                if (h.getLong(to) >= IMMORTAL) {
                    continue;
                }
                edges.add(to);
                long toType = h.getLong(to + TYPE);
                if (!h.isContainerType(toType) || isTracked(to)) {
                    continue;
                }
                if (h.getInt(toType + TP_KIND) != KIND_TUPLE || h.getLong(to - GC_HEAD_SIZE) != 0) {
                    fail(h.describe(from) + " holds " + h.describe(to) + ", a container the collector does not"
                            + " track: a cycle through it could never be collected");
                }
                if (seenTuples.add(to)) {
                    untrackedTuples.add(to);
                }
            }
            if (isWeakref) {
                checkWeakref(from);
            }
            if (h.getInt(type + TP_KIND) == KIND_TUPLE && h.getLong(from - GC_HEAD_SIZE) == 0) {
                checkUntrackedTuple(from, refs);
            }
        }
        long[] e = edges.toArray();
        Arrays.sort(e);
        for (int i = 0; i < e.length; ) {
            int j = i;
            while (j < e.length && e[j] == e[i]) {
                j++;
            }
            long rc = h.getLong(e[i]);
            if (rc < j - i) {
                fail("refcount is too small: " + h.describe(e[i]) + " is referenced " + (j - i)
                        + " times by containers of the heap");
            }
            i = j;
        }
    }

    /** An untracked tuple can be in no cycle: none of its items may be a container that can be tracked. */
    private void checkUntrackedTuple(long tuple, Gc.LongList items) {
        for (int i = 0; i < items.size(); i++) {
            long item = items.get(i);
            long type = h.getLong(item + TYPE);
            if (h.isContainerType(type) && h.getLong(item) < IMMORTAL
                    && (h.getInt(type + TP_KIND) != KIND_TUPLE || h.getLong(item - GC_HEAD_SIZE) != 0)) {
                fail("untracked " + h.describe(tuple) + " holds " + h.describe(item)
                        + ", which can be part of a cycle: the tuple must be tracked");
            }
        }
    }

    private void checkWeakref(long wr) {
        long target = h.getLong(wr + WR_OBJECT);
        long next = h.getLong(wr + WR_NEXT);
        long prev = h.getLong(wr + WR_PREV);
        if (target == 0) {
            if (next != 0 || prev != 0) {
                fail("cleared " + h.describe(wr) + " is still linked to other weakrefs");
            }
            return;
        }
        if (!isObject(target)) {
            fail(h.describe(wr) + " points at 0x" + Long.toHexString(target) + ", which is not a live object: "
                    + h.describe(target));
        }
        long wlo = h.getLong(h.getLong(target + TYPE) + TP_WEAKLISTOFFSET);
        if (wlo == 0) {
            fail(h.describe(wr) + " points at " + h.describe(target) + ", whose type has no weakref list");
        }
        if (prev == 0 ? h.getLong(target + wlo) != wr : h.getLong(prev + WR_NEXT) != wr) {
            fail(h.describe(wr) + " is not linked from its predecessor in the weakrefs of " + h.describe(target));
        }
        if (next != 0 && (h.getLong(next + WR_PREV) != wr || h.getLong(next + WR_OBJECT) != target)) {
            fail(h.describe(wr) + " and the next weakref to " + h.describe(target) + " disagree");
        }
    }

    private static void fail(String message) {
        throw new HeapCorruptedException(message);
    }
}
