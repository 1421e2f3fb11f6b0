package org.refheap.trace;

import org.refheap.AllocationListener;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The listener {@link Tracemalloc} installs: the table of traces, keyed by address, and the interned
 * tracebacks they point to.
 *
 * <pre>
 *  traces: open addressing, linear probing, backward-shift deletion (no tombstones)
 *   keys[i]   address of the block (0 = empty slot; no block lives at 0)
 *   sizes[i]  its size in bytes
 *   meta[i]   traceback id << 1 | domain (0 object, 1 raw)
 *  tracebacks: byId (id -> Traceback) and tbSlots (open addressing, id + 1, 0 = empty), hashed on the
 *   identities of the interned frames
 * </pre>
 *
 * <b>Sampled mode</b>: a countdown of bytes drawn from an exponential distribution with the mean
 * {@code sampleMean}; each allocation takes its size off, and the one that crosses zero is traced and
 * draws a new countdown. The distribution is memoryless, so a block of {@code s} bytes is traced with
 * probability {@code 1 - exp(-s/mean)}, independently of the others (Go's {@code MemProfileRate}).
 * The untraced allocations cost one subtraction and one compare; a free costs a probe of a small table.
 */
final class Recorder implements AllocationListener {
    int limit;
    final long sampleMean;
    private final SplittableRandom random;
    private long untilSample;
    private final StackCapture capture;

    private long[] keys = new long[1024];
    private long[] sizes = new long[1024];
    private int[] meta = new int[1024];
    private int count;

    private final List<Traceback> byId = new ArrayList<>();
    private int[] tbSlots = new int[256];

    /** Bytes traced (estimated when sampling) now and at the peak. */
    long traced;
    long peak;

    Recorder(int limit, long sampleMean, long seed) {
        this.limit = limit;
        this.sampleMean = sampleMean;
        this.random = new SplittableRandom(seed);
        this.capture = new StackCapture(limit);
        if (sampleMean != 0) {
            untilSample = nextSample();
        }
    }

    /** A new traceback limit for later allocations; traces taken so far keep theirs. */
    void setLimit(int limit) {
        this.limit = limit;
        capture.buf = new Frame[limit];
    }

    @Override
    public void allocated(long address, long size, int domain) {
        if (sampleMean != 0) {
            if ((untilSample -= size) > 0) {
                return;
            }
            untilSample = nextSample();
        }
        // The walk starts here, not in a helper: every frame between the allocation and the user's
        // code is one more for StackWalker to fill, and the walk is nearly all of an exact trace.
        StackCapture.WALKER.walk(capture.walk);
        record(address, size, domain);
    }

    @Override
    public void freed(long address) {
        if (count == 0) {
            return;
        }
        int i = find(address);
        if (i >= 0) {
            traced -= estimate(sizes[i]);
            remove(i);
        }
    }

    private long nextSample() {
        // -ln(U) * mean with U in (0, 1]: exponential; at least 1 so the countdown always moves.
        return Math.max(1, (long) (-Math.log(1 - random.nextDouble()) * sampleMean));
    }

    /** The bytes a traced block of {@code size} stands for: itself, or size / p(size) when sampling. */
    private long estimate(long size) {
        if (sampleMean == 0 || size == 0) {
            return size;
        }
        return Math.round(size / -Math.expm1(-(double) size / sampleMean));
    }

    /** Records a block whose frames {@link #capture} holds. */
    private void record(long address, long size, int domain) {
        int tb = internTraceback();
        int i = find(address);
        if (i >= 0) {
            // A block at an address still traced means its free went unreported: never keep two.
            traced -= estimate(sizes[i]);
            remove(i);
        }
        put(address, size, tb << 1 | domain);
        traced += estimate(size);
        if (traced > peak) {
            peak = traced;
        }
    }

    // ------------------------------------------------------------------ tracebacks

    private int internTraceback() {
        Frame[] buf = capture.buf;
        int n = capture.n;
        if (n == 0) {
            buf[0] = Frame.UNKNOWN;
            n = 1;
        }
        int h = 1;
        for (int i = 0; i < n; i++) {
            h = h * 31 + System.identityHashCode(buf[i]);
        }
        h ^= h >>> 16;
        int mask = tbSlots.length - 1;
        for (int s = h & mask; ; s = (s + 1) & mask) {
            int id = tbSlots[s] - 1;
            if (id < 0) {
                break;
            }
            if (sameFrames(byId.get(id).frames(), buf, n)) {
                return id;
            }
        }
        Frame[] frames = new Frame[n];
        for (int i = 0; i < n; i++) {
            frames[i] = buf[n - 1 - i]; // oldest first
        }
        int id = byId.size();
        byId.add(new Traceback(frames, false));
        if (2 * byId.size() > tbSlots.length) {
            rehashTracebacks();
        } else {
            insertTraceback(id, h);
        }
        return id;
    }

    private static boolean sameFrames(Frame[] oldestFirst, Frame[] newestFirst, int n) {
        if (oldestFirst.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (oldestFirst[i] != newestFirst[n - 1 - i]) {
                return false;
            }
        }
        return true;
    }

    private void insertTraceback(int id, int h) {
        int mask = tbSlots.length - 1;
        int s = h & mask;
        while (tbSlots[s] != 0) {
            s = (s + 1) & mask;
        }
        tbSlots[s] = id + 1;
    }

    private void rehashTracebacks() {
        tbSlots = new int[tbSlots.length * 2];
        for (int id = 0; id < byId.size(); id++) {
            Frame[] f = byId.get(id).frames();
            int h = 1;
            for (int i = f.length - 1; i >= 0; i--) {
                h = h * 31 + System.identityHashCode(f[i]);
            }
            insertTraceback(id, h ^ (h >>> 16));
        }
    }

    // ------------------------------------------------------------------ the trace table

    private static int hash(long address, int mask) {
        return (int) ((address * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    private int find(long address) {
        long[] keys = this.keys;
        int mask = keys.length - 1;
        for (int i = hash(address, mask); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == address) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    private void put(long address, long size, int m) {
        if (2 * (count + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = hash(address, mask);
        while (keys[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = address;
        sizes[i] = size;
        meta[i] = m;
        count++;
    }

    /** Backward-shift deletion: later entries of the probe run move up so that no search stops early. */
    private void remove(int i) {
        int mask = keys.length - 1;
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = hash(keys[j], mask);
            // j's entry may fill the hole when its home is not cyclically within (hole, j].
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                sizes[hole] = sizes[j];
                meta[hole] = meta[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        count--;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldSizes = sizes;
        int[] oldMeta = meta;
        keys = new long[oldKeys.length * 2];
        sizes = new long[oldKeys.length * 2];
        meta = new int[oldKeys.length * 2];
        count = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldSizes[i], oldMeta[i]);
            }
        }
    }

    // ------------------------------------------------------------------ queries

    int traceCount() {
        return count;
    }

    /** The traceback of the block at {@code address}, or null if it is not traced. */
    Traceback traceback(long address) {
        if (count == 0) {
            return null;
        }
        int i = find(address);
        return i < 0 ? null : byId.get(meta[i] >>> 1);
    }

    List<Trace> traces() {
        List<Trace> out = new ArrayList<>(count);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                out.add(new Trace(meta[i] & 1, sizes[i], byId.get(meta[i] >>> 1)));
            }
        }
        return out;
    }

    /**
     * Bytes this recorder holds on the Java heap, estimated from its arrays and objects (array and object
     * headers of 16 bytes, 4-byte references as with compressed oops).
     */
    long memory() {
        long tables = 3 * 16L + keys.length * (8L + 8 + 4) + 16L + 4L * tbSlots.length;
        long tracebacks = 0;
        for (Traceback tb : byId) {
            tracebacks += 24 + 16 + 4L * tb.size() + 4;
        }
        // A Frame (24), a file name per class (String 24 + array 16 + chars) and its line table (~80).
        long frames = capture.frames * (24 + 8) + capture.nameChars + capture.classes * (24 + 16 + 80);
        return tables + tracebacks + frames + 4L * capture.buf.length;
    }
}
