package org.refheap;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.refheap.layout.BuiltinLayouts.*;
import static org.refheap.layout.ObjectLayout.TYPE;
import static org.refheap.layout.TypeLayout.*;

/**
 * Operations on dicts. Get one from {@link Heap#dicts()}.
 *
 * <h2>Layout</h2>
 * A dict keeps its entries in insertion order in a dense block (hash, key, value: 24 bytes each;
 * a deleted entry leaves a hole), found through an index: a power-of-two table of 8-byte slots, each
 * holding the upper half of the entry's hash and its position. The index is probed linearly and
 * deletes by shifting the rest of the cluster back (no tombstones), so at a steady size it never
 * needs rebuilding. A probe compares hash halves in the index (eight slots per cache line), then the
 * full hash in the entry, and reads the key object only when that matches; an int key is never read
 * at all ({@link org.refheap.layout.BuiltinLayouts#KEY_INT}). See docs/LAYOUT.md.
 *
 * <h2>No operation pays for the whole table</h2>
 * When the entry block is nearly full (of live entries or of holes), or mostly empty, a new pair of
 * blocks is made and the dict moves into it a slice per insert or delete, as Redis's dict does:
 * first the new blocks are zeroed, {@link #ZERO_STEP} bytes per operation; then the live entries
 * move over in order, at most {@link #STEP_MOVES} of them (and {@link #STEP_VISITS} old positions)
 * per operation, while lookups try the new pair and then the old one and inserts go to the new pair
 * after the positions kept for the entries still to move. Lookups and value replacements do no
 * rebuilding work, so they may be mixed freely with an iteration.
 *
 * <h2>Keys</h2>
 * int, float, str, bytes and tuples of those are compared and hashed by value, so two different str
 * objects with the same text find the same entry; struct instances, None and bools by identity; lists
 * and dicts are unhashable (as in Python). Unlike Python, {@code 1} and {@code 1.0} (and
 * {@code True}) are different keys. As in Python, {@code 0.0} and {@code -0.0} are the same key, and a
 * NaN key is found only through the very object stored (NaN equals nothing, but identity is tried
 * first), in a tuple too. Tuples may nest to any depth. {@link #getInt}, {@link #putInt},
 * {@link #getStr} and their kin take the key as a Java value and make a key object only when an
 * insert stores a new key.
 *
 * <h2>Iteration</h2>
 * Slots ({@link #nextSlot}, {@link #keyAt}, {@link #valueAt}) run in insertion order. Inserting a new
 * key or deleting one may move entries between slots: as in Python, the dict must not change size
 * while it is iterated (replacing the value of a present key is fine).
 */
public final class Dicts {
    static final long MIN_CAPACITY = 8;
    /** Positions + 1 must fit the 32 low bits of an index slot. */
    static final long MAX_CAPACITY = (1L << 32) - 2;
    /** Bytes of a new pair of blocks zeroed per insert or delete while it is prepared. */
    static final int ZERO_STEP = 4096;
    /** Old positions one insert or delete looks at while migrating, and live entries it moves at most. */
    static final int STEP_VISITS = 32;
    static final int STEP_MOVES = 8;
    private static final long POS_MASK = 0xffffffffL;
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[ZERO_STEP]);

    /** How a probe compares a candidate entry (its full hash already equal). */
    private static final int BY_INT = 0;
    private static final int BY_OBJECT = 1;
    private static final int BY_CHARS = 2;
    private static final int BY_UTF8 = 3;

    /** Longs per frame of {@link #stack}. */
    private static final int FRAME = 3;

    private final Heap heap;
    private final long dictType;
    private final long intType;
    private final long strType;

    /**
     * Rebuilds that had to be completed within one operation because the entry block ran out of
     * room first. The sizing is meant to make this impossible; tests assert it stays 0.
     */
    long hurried;

    /**
     * Frames of the walk over nested tuples, {@link #FRAME} longs each, shared by {@link #hashTuple}
     * and {@link #tuplesEqual}: neither runs user code or calls the other, so one is never active
     * while the other is. Kept across calls (grown, never shrunk) so that hashing a key allocates
     * nothing once the deepest key seen fits; 16 levels fit from the start.
     */
    private long[] stack = new long[16 * FRAME];

    /**
     * The text of the str key of the current by-text operation ({@code getStr}, {@code putStr}, ...),
     * encoded once by the hash and compared from there; see {@link TextKey}.
     */
    private final TextKey textKey = new TextKey();

    Dicts(Heap heap) {
        this.heap = heap;
        this.dictType = heap.dictType;
        this.intType = heap.intType;
        this.strType = heap.strType;
    }

    /** A new empty dict with count 1; its first table comes with its first key. */
    public long newDict() {
        return newDict(0);
    }

    /**
     * A new empty dict with count 1 whose table holds {@code capacity} entries before it must be
     * rebuilt: a dict that will grow to a known size never rebuilds on the way (its table is zeroed
     * now, in time proportional to {@code capacity}).
     */
    public long newDict(long capacity) {
        heap.checkOwner();
        if (capacity < 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("dict capacity " + capacity + " is out of range [0, " + MAX_CAPACITY + "]");
        }
        // Beyond the capacity asked for, the margin at which an insert would begin a rebuild.
        long cap = capacity == 0 ? 0 : Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, capacity + (capacity >> 4) + 3));
        long slots = cap == 0 ? 0 : indexSlotsFor(cap);
        long index = 0;
        long entries = 0;
        long d;
        try {
            if (cap != 0) {
                index = heap.mallocRaw(8 * slots);
                entries = heap.mallocRaw(ENTRY_SIZE * cap);
            }
            d = heap.allocObject(dictType, DICT_BASICSIZE, true);
        } catch (RuntimeException | Error e) {
            freeIfAny(index);
            freeIfAny(entries);
            throw e;
        }
        zero(index, 8 * slots);
        heap.putLong(d + DICT_USED, 0);
        heap.putLong(d + DICT_INDEX, index);
        heap.putLong(d + DICT_MASK, slots == 0 ? 0 : slots - 1);
        heap.putLong(d + DICT_ENTRIES, entries);
        heap.putLong(d + DICT_CAPACITY, cap);
        heap.putLong(d + DICT_NEXT, 0);
        heap.putLong(d + DICT_REBUILD, 0);
        heap.track(d);
        return d;
    }

    /**
     * The number of items in {@code dict} ({@code len(d)}).
     *
     * @param dict a live dict
     * @return its item count
     */
    public long size(long dict) {
        check(dict);
        return heap.getLong(dict + DICT_USED);
    }

    // ------------------------------------------------------------------ by key object

    /** The value stored under {@code key}: a borrowed reference, or 0 when the key is absent. */
    public long get(long dict, long key) {
        check(dict);
        heap.checkKey(key, dict);
        long e = findObject(dict, key);
        return e == 0 ? 0 : heap.getLong(e + ENTRY_VALUE);
    }

    /**
     * Whether {@code dict} holds {@code key} ({@code key in d}); keys compare as Python's do (by value).
     *
     * @param dict a live dict
     * @param key  a live hashable object
     * @return true if the key is present
     */
    public boolean containsKey(long dict, long key) {
        check(dict);
        heap.checkKey(key, dict);
        return findObject(dict, key) != 0;
    }

    /**
     * {@code d[key] = value}: a new key is incref'd and stored with an incref'd value; for a key
     * already present the stored key stays and only the value is replaced (the old one decref'd
     * after the new one is in place).
     */
    public void put(long dict, long key, long value) {
        check(dict);
        heap.checkValue(key, dict);
        heap.checkValue(value, dict);
        if (heap.getLong(key + TYPE) == intType) {
            putEntry(dict, Hashing.mix(heap.getLong(key + VALUE)), BY_INT, key, 0, null, value);
        } else {
            putEntry(dict, hash(key), BY_OBJECT, key, 0, null, value);
        }
    }

    /** {@code del d[key]}: removes the entry and decrefs its key and value. False when absent. */
    public boolean remove(long dict, long key) {
        check(dict);
        heap.checkKey(key, dict);
        if (heap.getLong(key + TYPE) == intType) {
            return removeEntry(dict, Hashing.mix(heap.getLong(key + VALUE)), BY_INT, 0, null);
        }
        return removeEntry(dict, hash(key), BY_OBJECT, key, null);
    }

    // ------------------------------------------------------------------ by int value

    /** {@code d[key]} for an int key given by value: the value (borrowed), or 0. Allocates nothing. */
    public long getInt(long dict, long key) {
        check(dict);
        long e = findInt(dict, Hashing.mix(key));
        return e == 0 ? 0 : heap.getLong(e + ENTRY_VALUE);
    }

    /** Whether {@code dict} has the int key {@code key} (no key object made). @param dict a dict @param key the int's value @return true if present */
    public boolean containsInt(long dict, long key) {
        check(dict);
        return findInt(dict, Hashing.mix(key)) != 0;
    }

    /** {@code d[key] = value} for an int key given by value; the int object is made only for a new key. */
    public void putInt(long dict, long key, long value) {
        check(dict);
        heap.checkValue(value, dict);
        putEntry(dict, Hashing.mix(key), BY_INT, 0, key, null, value);
    }

    /** {@code del d[key]} for an int key given by value. False when absent. Allocates nothing. */
    public boolean removeInt(long dict, long key) {
        check(dict);
        return removeEntry(dict, Hashing.mix(key), BY_INT, 0, null);
    }

    // ------------------------------------------------------------------ by str text

    /** {@code d[key]} for a str key given as text: the value (borrowed), or 0. Allocates nothing. */
    public long getStr(long dict, CharSequence key) {
        check(dict);
        long e = findText(dict, textKey.set(text(key)));
        return e == 0 ? 0 : heap.getLong(e + ENTRY_VALUE);
    }

    /** {@code d[key]} for a str key given by its UTF-8 bytes (as {@link Heap#newStr} stores them). */
    public long getStr(long dict, byte[] utf8) {
        check(dict);
        long e = find(dict, Hashing.hashBytes(bytes(utf8)), BY_UTF8, 0, utf8);
        return e == 0 ? 0 : heap.getLong(e + ENTRY_VALUE);
    }

    /** Whether {@code dict} has the str key {@code key} (no key object made). @param dict a dict @param key the text @return true if present */
    public boolean containsStr(long dict, CharSequence key) {
        check(dict);
        return findText(dict, textKey.set(text(key))) != 0;
    }

    /** Whether {@code dict} has the str key whose UTF-8 bytes are {@code utf8}. @param dict a dict @param utf8 the text's bytes @return true if present */
    public boolean containsStr(long dict, byte[] utf8) {
        check(dict);
        return find(dict, Hashing.hashBytes(bytes(utf8)), BY_UTF8, 0, utf8) != 0;
    }

    /** {@code d[key] = value} for a str key given as text; the str object is made only for a new key. */
    public void putStr(long dict, CharSequence key, long value) {
        check(dict);
        text(key);
        heap.checkValue(value, dict);
        putEntry(dict, textKey.set(key), BY_CHARS, 0, 0, key, value);
    }

    /** Removes the str key {@code key}, releasing key and value. @param dict a dict @param key the text @return whether it was present */
    public boolean removeStr(long dict, CharSequence key) {
        check(dict);
        return removeEntry(dict, textKey.set(text(key)), BY_CHARS, 0, key);
    }

    /** Removes the str key whose UTF-8 bytes are {@code utf8}, releasing key and value. @param dict a dict @param utf8 the text's bytes @return whether it was present */
    public boolean removeStr(long dict, byte[] utf8) {
        check(dict);
        return removeEntry(dict, Hashing.hashBytes(bytes(utf8)), BY_UTF8, 0, utf8);
    }

    private static CharSequence text(CharSequence key) {
        if (key == null) {
            throw new IllegalArgumentException("a str key must not be null");
        }
        return key;
    }

    private static byte[] bytes(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("a str key must not be null");
        }
        return key;
    }

    // ------------------------------------------------------------------ clear and iteration

    /** Removes every entry; the dict is emptied before any key or value is decref'd. */
    public void clear(long dict) {
        check(dict);
        clearNoCheck(dict);
    }

    void clearNoCheck(long dict) {
        heap.containerReset(dict);
        long index = heap.getLong(dict + DICT_INDEX);
        long entries = heap.getLong(dict + DICT_ENTRIES);
        long next = heap.getLong(dict + DICT_NEXT);
        long rb = heap.getLong(dict + DICT_REBUILD);
        heap.putLong(dict + DICT_USED, 0);
        heap.putLong(dict + DICT_INDEX, 0);
        heap.putLong(dict + DICT_MASK, 0);
        heap.putLong(dict + DICT_ENTRIES, 0);
        heap.putLong(dict + DICT_CAPACITY, 0);
        heap.putLong(dict + DICT_NEXT, 0);
        heap.putLong(dict + DICT_REBUILD, 0);
        // Finalizers run by these decrefs may use the dict again: it is empty, and these blocks are no longer its.
        if (rb != 0 && heap.getLong(rb + REB_STATE) == REB_MIGRATING) {
            releaseEntries(heap.getLong(rb + REB_ENTRIES), heap.getLong(rb + REB_CURSOR), heap.getLong(rb + REB_NEXT));
        }
        releaseEntries(entries, 0, next);
        freeIfAny(index);
        freeIfAny(entries);
        if (rb != 0) {
            heap.freeRaw(heap.getLong(rb + REB_INDEX));
            heap.freeRaw(heap.getLong(rb + REB_ENTRIES));
            heap.freeRaw(rb);
        }
    }

    private void releaseEntries(long entries, long from, long to) {
        for (long i = from; i < to; i++) {
            long e = entries + i * ENTRY_SIZE;
            long kw = heap.getLong(e + ENTRY_KEY);
            if (kw != 0) {
                heap.decrefNoCheck(kw & KEY_ADDRESS);
                heap.decrefNoCheck(heap.getLong(e + ENTRY_VALUE));
            }
        }
    }

    /**
     * Iteration in insertion order: the first occupied slot at or after {@code slot}, or -1. Start
     * at 0 and go on from the answer + 1; read the entry with {@link #keyAt} and {@link #valueAt}.
     * The dict must not change size while iterating.
     */
    public long nextSlot(long dict, long slot) {
        check(dict);
        long n = slotCount(dict);
        for (long s = Math.max(0, slot); s < n; s++) {
            if (entryAt(dict, s) != 0) {
                return s;
            }
        }
        return -1;
    }

    /** The key in an occupied slot (borrowed). */
    public long keyAt(long dict, long slot) {
        return heap.getLong(occupied(dict, slot) + ENTRY_KEY) & KEY_ADDRESS;
    }

    /** The value in an occupied slot (borrowed). */
    public long valueAt(long dict, long slot) {
        return heap.getLong(occupied(dict, slot) + ENTRY_VALUE);
    }

    private long occupied(long dict, long slot) {
        check(dict);
        long n = slotCount(dict);
        long e = slot < 0 || slot >= n ? 0 : entryAt(dict, slot);
        if (e == 0) {
            throw new IndexOutOfBoundsException("slot " + slot + " of dict " + hex(dict) + " (" + n
                    + " slots) holds no entry");
        }
        return e;
    }

    /**
     * How many slots iteration and the collector's traversal walk. Outside a migration a slot is a
     * position of the entry block. While entries migrate, slots run: the new pair's positions below
     * the cursor (the entries moved so far, in order), the old pair's positions from the cursor on,
     * then the new pair's positions from the reserved mark on (keys inserted meanwhile). An entry
     * only ever moves to a lower slot.
     */
    long slotCount(long dict) {
        long next = heap.getLong(dict + DICT_NEXT);
        long rb = heap.getLong(dict + DICT_REBUILD);
        if (rb == 0 || heap.getLong(rb + REB_STATE) != REB_MIGRATING) {
            return next;
        }
        return heap.getLong(rb + REB_NEXT) + next - heap.getLong(rb + REB_RESERVED);
    }

    /** The entry in slot {@code s} (0 &lt;= s &lt; slotCount), or 0 when it holds none. */
    long entryAt(long dict, long s) {
        long rb = heap.getLong(dict + DICT_REBUILD);
        long e;
        if (rb == 0 || heap.getLong(rb + REB_STATE) != REB_MIGRATING) {
            if (s >= heap.getLong(dict + DICT_NEXT)) {
                return 0;
            }
            e = heap.getLong(dict + DICT_ENTRIES) + s * ENTRY_SIZE;
        } else {
            long on = heap.getLong(rb + REB_NEXT);
            if (s < heap.getLong(rb + REB_CURSOR)) {
                if (s >= heap.getLong(rb + REB_MOVED)) {
                    return 0;
                }
                e = heap.getLong(dict + DICT_ENTRIES) + s * ENTRY_SIZE;
            } else if (s < on) {
                e = heap.getLong(rb + REB_ENTRIES) + s * ENTRY_SIZE;
            } else {
                long p = heap.getLong(rb + REB_RESERVED) + s - on;
                if (p >= heap.getLong(dict + DICT_NEXT)) {
                    return 0;
                }
                e = heap.getLong(dict + DICT_ENTRIES) + p * ENTRY_SIZE;
            }
        }
        return heap.getLong(e + ENTRY_KEY) != 0 ? e : 0;
    }

    /** The key object of an entry (its tag bits cleared). */
    long entryKey(long e) {
        return heap.getLong(e + ENTRY_KEY) & KEY_ADDRESS;
    }

    /** Adds the raw blocks {@code dict} owns to {@code out} (verify). */
    void rawBlocks(long dict, Gc.LongList out) {
        long index = heap.getLong(dict + DICT_INDEX);
        if (index != 0) {
            out.add(index);
            out.add(heap.getLong(dict + DICT_ENTRIES));
        }
        long rb = heap.getLong(dict + DICT_REBUILD);
        if (rb != 0) {
            out.add(rb);
            out.add(heap.getLong(rb + REB_INDEX));
            out.add(heap.getLong(rb + REB_ENTRIES));
        }
    }

    /** The bytes of the raw blocks {@code dict} owns (tests). */
    long rawBytes(long dict) {
        Gc.LongList blocks = new Gc.LongList();
        rawBlocks(dict, blocks);
        long n = 0;
        for (int i = 0; i < blocks.size(); i++) {
            n += heap.alloc.usableSize(blocks.get(i));
        }
        return n;
    }

    // ------------------------------------------------------------------ lookup

    /** The entry for a key object, or 0. */
    private long findObject(long dict, long key) {
        if (heap.getLong(key + TYPE) == intType) {
            return find(dict, Hashing.mix(heap.getLong(key + VALUE)), BY_INT, 0, null);
        }
        return find(dict, hash(key), BY_OBJECT, key, null);
    }

    /** The dict's rebuild block while its migration is under way (the old pair still holds entries), else 0. */
    private long migrating(long dict) {
        long rb = heap.getLong(dict + DICT_REBUILD);
        return rb != 0 && heap.getLong(rb + REB_STATE) == REB_MIGRATING ? rb : 0;
    }

    /** The entry whose key matches, in the dict's pair or (while migrating) the old one; 0 if none. */
    private long find(long dict, long h, int mode, long key, Object text) {
        long index = heap.getLong(dict + DICT_INDEX);
        if (index == 0) {
            return 0;
        }
        long e = probe(index, heap.getLong(dict + DICT_MASK), heap.getLong(dict + DICT_ENTRIES), h, mode, key, text);
        if (e != 0) {
            return e;
        }
        long rb = migrating(dict);
        if (rb == 0) {
            return 0;
        }
        return probe(heap.getLong(rb + REB_INDEX), heap.getLong(rb + REB_MASK), heap.getLong(rb + REB_ENTRIES), h,
                mode, key, text);
    }

    /**
     * {@link #find} for an int key (hash {@code h}), for lookups only: the probe is small enough to be
     * compiled into the caller whole, with nothing of the other key kinds in it.
     */
    private long findInt(long dict, long h) {
        long index = heap.getLong(dict + DICT_INDEX);
        if (index == 0) {
            return 0;
        }
        long e = probeInt(index, heap.getLong(dict + DICT_MASK), heap.getLong(dict + DICT_ENTRIES), h);
        if (e != 0) {
            return e;
        }
        long rb = migrating(dict);
        if (rb == 0) {
            return 0;
        }
        return probeInt(heap.getLong(rb + REB_INDEX), heap.getLong(rb + REB_MASK), heap.getLong(rb + REB_ENTRIES), h);
    }

    /** {@link #probe} for an int key, without {@link #lastSlot}: the entry whose full hash is {@code h} and whose key is an int. */
    private long probeInt(long index, long mask, long entries, long h) {
        long frag = h >>> 32;
        long i = frag & mask;
        while (true) {
            long s = heap.getLong(index + 8 * i);
            if (s == 0) {
                return 0;
            }
            if (s >>> 32 == frag) {
                long e = entries + ENTRY_SIZE * ((s & POS_MASK) - 1);
                if (heap.getLong(e + ENTRY_HASH) == h && (heap.getLong(e + ENTRY_KEY) & KEY_INT) != 0) {
                    return e;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /** {@link #findInt} for a str key given as text, already in {@link #textKey} (hash {@code h}). */
    private long findText(long dict, long h) {
        long index = heap.getLong(dict + DICT_INDEX);
        if (index == 0) {
            return 0;
        }
        long e = probeText(index, heap.getLong(dict + DICT_MASK), heap.getLong(dict + DICT_ENTRIES), h);
        if (e != 0) {
            return e;
        }
        long rb = migrating(dict);
        if (rb == 0) {
            return 0;
        }
        return probeText(heap.getLong(rb + REB_INDEX), heap.getLong(rb + REB_MASK), heap.getLong(rb + REB_ENTRIES), h);
    }

    /** {@link #probe} for the str key in {@link #textKey}, without {@link #lastSlot}. */
    private long probeText(long index, long mask, long entries, long h) {
        long frag = h >>> 32;
        long i = frag & mask;
        while (true) {
            long s = heap.getLong(index + 8 * i);
            if (s == 0) {
                return 0;
            }
            if (s >>> 32 == frag) {
                long e = entries + ENTRY_SIZE * ((s & POS_MASK) - 1);
                if (heap.getLong(e + ENTRY_HASH) == h) {
                    long kw = heap.getLong(e + ENTRY_KEY);
                    if (kw != 0 && (kw & KEY_INT) == 0 && heap.getLong(kw + TYPE) == strType
                            && textKey.matches(heap.seg, kw + STR_DATA - heap.base, heap.getLong(kw + STR_SIZE))) {
                        return e;
                    }
                }
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * The matching entry, or 0; {@link #lastSlot} is then the index slot leading to it, or the empty
     * slot that ended the probe. A slot whose hash half differs is passed without reading its entry;
     * an entry whose full hash differs without reading its key; an int key is never read. A slot
     * leading to a hole (an entry moved out of an old pair, or deleted from it) is passed too.
     */
    private long probe(long index, long mask, long entries, long h, int mode, long key, Object text) {
        long frag = h >>> 32;
        long i = frag & mask;
        while (true) {
            long s = heap.getLong(index + 8 * i);
            if (s == 0) {
                lastSlot = i;
                return 0;
            }
            if (s >>> 32 == frag) {
                long e = entries + ENTRY_SIZE * ((s & POS_MASK) - 1);
                if (heap.getLong(e + ENTRY_HASH) == h) {
                    long kw = heap.getLong(e + ENTRY_KEY);
                    if (mode == BY_INT ? (kw & KEY_INT) != 0 : kw != 0 && matches(kw, mode, key, text)) {
                        lastSlot = i;
                        return e;
                    }
                }
            }
            i = (i + 1) & mask;
        }
    }

    /** The index slot where the last {@link #probe} stopped. */
    private long lastSlot;

    /**
     * Whether the stored key word {@code kw} (not a hole), whose hash equals the one looked up, is the
     * key, for a key that is not an int. (For an int: {@code kw} has KEY_INT; mix is a bijection, so
     * equal hashes are equal ints.)
     */
    private boolean matches(long kw, int mode, long key, Object text) {
        if ((kw & KEY_INT) != 0) {
            return false;
        }
        switch (mode) {
            case BY_OBJECT:
                return kw == key || keysEqual(kw, key);
            case BY_CHARS:
                return heap.getLong(kw + TYPE) == strType
                        && textKey.matches(heap.seg, kw + STR_DATA - heap.base, heap.getLong(kw + STR_SIZE));
            default: {
                byte[] b = (byte[]) text;
                if (heap.getLong(kw + TYPE) != strType || heap.getLong(kw + STR_SIZE) != b.length) {
                    return false;
                }
                return StrCodec.equalsBytes(heap.seg, kw + STR_DATA - heap.base, b);
            }
        }
    }

    /** Puts position {@code pos} with hash {@code h} in the first empty slot of its probe. */
    private void insertSlot(long index, long mask, long h, long pos) {
        long frag = h >>> 32;
        long i = frag & mask;
        while (heap.getLong(index + 8 * i) != 0) {
            i = (i + 1) & mask;
        }
        heap.putLong(index + 8 * i, frag << 32 | (pos + 1));
    }

    /**
     * Empties index slot {@code i} by shifting back each later slot of its cluster that may sit
     * there (its home is not cyclically after the gap): linear probing's deletion, no tombstone.
     */
    private void deleteSlot(long index, long mask, long i) {
        long gap = i;
        long j = i;
        while (true) {
            j = (j + 1) & mask;
            long s = heap.getLong(index + 8 * j);
            if (s == 0) {
                break;
            }
            long home = (s >>> 32) & mask;
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                heap.putLong(index + 8 * gap, s);
                gap = j;
            }
        }
        heap.putLong(index + 8 * gap, 0);
    }

    // ------------------------------------------------------------------ insert and delete

    /**
     * {@code d[key] = value}. {@code key} is the key object, or 0 when the key is given by
     * {@code ival} (BY_INT) or {@code text} (BY_CHARS) and an object is made only for a new key.
     */
    private void putEntry(long dict, long h, int mode, long key, long ival, Object text, long value) {
        long e = find(dict, h, mode, key, text);
        if (e != 0) {
            long old = heap.getLong(e + ENTRY_VALUE);
            heap.increfNoCheck(value);
            heap.putLong(e + ENTRY_VALUE, value);
            heap.decrefNoCheck(old);
            return;
        }
        long k = key;
        if (k == 0) {
            k = mode == BY_INT ? heap.newInt(ival) : newStr(h); // our reference
        }
        try {
            makeRoom(dict);
        } catch (RuntimeException | Error ex) {
            if (key == 0) {
                heap.decrefNoCheck(k);
            }
            throw ex;
        }
        if (key != 0) {
            heap.increfNoCheck(k);
        }
        heap.increfNoCheck(value);
        long next = heap.getLong(dict + DICT_NEXT);
        long slot = heap.getLong(dict + DICT_ENTRIES) + next * ENTRY_SIZE;
        heap.putLong(slot + ENTRY_HASH, h);
        heap.putLong(slot + ENTRY_KEY, mode == BY_INT ? k | KEY_INT : k);
        heap.putLong(slot + ENTRY_VALUE, value);
        insertSlot(heap.getLong(dict + DICT_INDEX), heap.getLong(dict + DICT_MASK), h, next);
        heap.putLong(dict + DICT_NEXT, next + 1);
        heap.putLong(dict + DICT_USED, heap.getLong(dict + DICT_USED) + 1);
        step(dict);
    }

    /** A str holding the text in {@link #textKey} (whose hash is {@code h}), written straight into the heap. */
    private long newStr(long h) {
        long n = textKey.length(); // set by this operation's hash, read before anything can run user code
        long o = heap.allocObject(strType, STR_DATA + n, false);
        heap.putLong(o + STR_SIZE, n);
        heap.putLong(o + STR_HASH, h);
        textKey.writeTo(heap.seg, o + STR_DATA - heap.base); // the bytes hashed, not a second reading of text
        return o;
    }

    private boolean removeEntry(long dict, long h, int mode, long key, Object text) {
        long index = heap.getLong(dict + DICT_INDEX);
        if (index == 0) {
            return false;
        }
        long entries = heap.getLong(dict + DICT_ENTRIES);
        long mask = heap.getLong(dict + DICT_MASK);
        long e = probe(index, mask, entries, h, mode, key, text);
        if (e != 0) {
            deleteSlot(index, mask, lastSlot);
        } else {
            long rb = heap.getLong(dict + DICT_REBUILD);
            if (rb == 0 || heap.getLong(rb + REB_STATE) != REB_MIGRATING) {
                return false;
            }
            e = probe(heap.getLong(rb + REB_INDEX), heap.getLong(rb + REB_MASK), heap.getLong(rb + REB_ENTRIES), h,
                    mode, key, text);
            if (e == 0) {
                return false;
            }
            // Its old index slot stays: it leads to a hole, which probes pass.
        }
        long k = heap.getLong(e + ENTRY_KEY) & KEY_ADDRESS;
        long v = heap.getLong(e + ENTRY_VALUE);
        heap.putLong(e + ENTRY_KEY, 0);
        heap.putLong(e + ENTRY_VALUE, 0);
        heap.putLong(dict + DICT_USED, heap.getLong(dict + DICT_USED) - 1);
        if (heap.getLong(dict + DICT_REBUILD) != 0) {
            step(dict);
        } else {
            maybeShrink(dict);
        }
        // Last: a finalizer run by these may use the dict, which is consistent by now.
        heap.decrefNoCheck(k);
        heap.decrefNoCheck(v);
        return true;
    }

    // ------------------------------------------------------------------ incremental rebuild

    /** Entries a rebuilt pair holds: room for half as many again, and for the inserts made while it is being filled. */
    private static long capacityFor(long live, long oldNext) {
        return Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, live + (live >> 1) + (oldNext >> 5) + 4));
    }

    /** Index slots for {@code capacity} entries: a power of two, at most two thirds full. */
    static long indexSlotsFor(long capacity) {
        long need = capacity + (capacity >> 1);
        long s = 16;
        while (s < need) {
            s <<= 1;
        }
        return s;
    }

    /**
     * Makes sure the dict's pair has a free position for one more entry: its first table, a rebuild
     * begun when the block is nearly full, or (never, by the sizing) a rebuild hurried to its end.
     * Throws only when the heap has no room for blocks that are needed now; nothing changed then.
     */
    private void makeRoom(long dict) {
        if (heap.getLong(dict + DICT_INDEX) == 0) {
            long slots = indexSlotsFor(MIN_CAPACITY);
            long index = heap.mallocRaw(8 * slots);
            long entries;
            try {
                entries = heap.mallocRaw(ENTRY_SIZE * MIN_CAPACITY);
            } catch (RuntimeException | Error e) {
                heap.freeRaw(index);
                throw e;
            }
            zero(index, 8 * slots);
            heap.putLong(dict + DICT_INDEX, index);
            heap.putLong(dict + DICT_MASK, slots - 1);
            heap.putLong(dict + DICT_ENTRIES, entries);
            heap.putLong(dict + DICT_CAPACITY, MIN_CAPACITY);
            heap.putLong(dict + DICT_NEXT, 0);
            return;
        }
        long cap = heap.getLong(dict + DICT_CAPACITY);
        long next = heap.getLong(dict + DICT_NEXT);
        if (heap.getLong(dict + DICT_REBUILD) == 0 && next + (cap >> 5) + 2 >= cap) {
            try {
                beginRebuild(dict, capacityFor(heap.getLong(dict + DICT_USED) + 1, next));
            } catch (HeapExhaustedException e) {
                if (next >= cap) {
                    throw e;
                } // else: room is left, and a later insert tries again
            }
        }
        while (heap.getLong(dict + DICT_NEXT) >= heap.getLong(dict + DICT_CAPACITY)) {
            long rb = heap.getLong(dict + DICT_REBUILD);
            if (rb == 0) {
                beginRebuild(dict, capacityFor(heap.getLong(dict + DICT_USED) + 1, heap.getLong(dict + DICT_NEXT)));
            } else {
                hurried++;
                if (heap.getLong(rb + REB_STATE) == REB_PREPARING) {
                    prepare(dict, rb, Long.MAX_VALUE);
                } else {
                    migrate(dict, rb, Long.MAX_VALUE, Long.MAX_VALUE);
                }
            }
        }
    }

    /** After a delete outside a rebuild: a dict mostly empty begins moving to a smaller pair (if the heap has room). */
    private void maybeShrink(long dict) {
        long cap = heap.getLong(dict + DICT_CAPACITY);
        long used = heap.getLong(dict + DICT_USED);
        long next = heap.getLong(dict + DICT_NEXT);
        // Near the end of the block an insert will begin the rebuild, which shrinks it then.
        if (cap > MIN_CAPACITY && used < cap >> 3 && next + (cap >> 5) + 2 < cap) {
            long fresh = capacityFor(used, next);
            if (fresh < cap) {
                try {
                    beginRebuild(dict, fresh);
                } catch (HeapExhaustedException e) {
                    // A smaller table is an optimisation: a removal never fails for want of memory.
                }
            }
        }
    }

    /**
     * Allocates the new pair and the rebuild block, all or nothing. A pair small enough is zeroed
     * and migration begins at once; a larger one is zeroed a slice per operation first.
     */
    private void beginRebuild(long dict, long capacity) {
        long slots = indexSlotsFor(capacity);
        long rb = 0;
        long index = 0;
        long entries;
        try {
            rb = heap.mallocRaw(REB_SIZE);
            index = heap.mallocRaw(8 * slots);
            entries = heap.mallocRaw(ENTRY_SIZE * capacity);
        } catch (RuntimeException | Error e) {
            freeIfAny(index);
            freeIfAny(rb);
            throw e;
        }
        heap.putLong(rb + REB_STATE, REB_PREPARING);
        heap.putLong(rb + REB_INDEX, index);
        heap.putLong(rb + REB_MASK, slots - 1);
        heap.putLong(rb + REB_ENTRIES, entries);
        heap.putLong(rb + REB_CAPACITY, capacity);
        heap.putLong(rb + REB_NEXT, 0);
        heap.putLong(rb + REB_CURSOR, 0);
        heap.putLong(rb + REB_MOVED, 0);
        heap.putLong(rb + REB_RESERVED, 0);
        heap.putLong(dict + DICT_REBUILD, rb);
        if (8 * slots + ENTRY_SIZE * capacity <= ZERO_STEP) {
            prepare(dict, rb, ZERO_STEP);
        }
    }

    /** One insert's or delete's share of the rebuild under way, if any. */
    private void step(long dict) {
        long rb = heap.getLong(dict + DICT_REBUILD);
        if (rb == 0) {
            return;
        }
        if (heap.getLong(rb + REB_STATE) == REB_PREPARING) {
            prepare(dict, rb, ZERO_STEP);
        } else {
            migrate(dict, rb, STEP_VISITS, STEP_MOVES);
        }
    }

    /**
     * Zeroes up to {@code budget} more bytes of the new pair (its index, then its entries); once all
     * are zero the pairs swap: the new one becomes the dict's, the old one the rebuild block's, and
     * migration begins. Slots keep their numbers across the swap.
     */
    private void prepare(long dict, long rb, long budget) {
        long slots = heap.getLong(rb + REB_MASK) + 1;
        long indexBytes = 8 * slots;
        long total = indexBytes + ENTRY_SIZE * heap.getLong(rb + REB_CAPACITY);
        long done = heap.getLong(rb + REB_CURSOR);
        long end = Math.min(total, done + Math.min(budget, total));
        if (done < indexBytes) {
            zero(heap.getLong(rb + REB_INDEX) + done, Math.min(end, indexBytes) - done);
        }
        if (end > indexBytes) {
            long from = Math.max(done, indexBytes) - indexBytes;
            zero(heap.getLong(rb + REB_ENTRIES) + from, end - indexBytes - from);
        }
        heap.putLong(rb + REB_CURSOR, end);
        if (end < total) {
            return;
        }
        long used = heap.getLong(dict + DICT_USED);
        long capacity = heap.getLong(rb + REB_CAPACITY);
        if (used >= capacity) {
            throw new IllegalStateException("dict " + hex(dict) + " outgrew its rebuilt table while it was zeroed ("
                    + used + " live entries, " + capacity + " positions): the sizing rule is wrong");
        }
        long oldIndex = heap.getLong(dict + DICT_INDEX);
        long oldMask = heap.getLong(dict + DICT_MASK);
        long oldEntries = heap.getLong(dict + DICT_ENTRIES);
        long oldCapacity = heap.getLong(dict + DICT_CAPACITY);
        long oldNext = heap.getLong(dict + DICT_NEXT);
        heap.putLong(dict + DICT_INDEX, heap.getLong(rb + REB_INDEX));
        heap.putLong(dict + DICT_MASK, heap.getLong(rb + REB_MASK));
        heap.putLong(dict + DICT_ENTRIES, heap.getLong(rb + REB_ENTRIES));
        heap.putLong(dict + DICT_CAPACITY, capacity);
        heap.putLong(dict + DICT_NEXT, used); // positions [0, used) are kept for the entries to move
        heap.putLong(rb + REB_STATE, REB_MIGRATING);
        heap.putLong(rb + REB_INDEX, oldIndex);
        heap.putLong(rb + REB_MASK, oldMask);
        heap.putLong(rb + REB_ENTRIES, oldEntries);
        heap.putLong(rb + REB_CAPACITY, oldCapacity);
        heap.putLong(rb + REB_NEXT, oldNext);
        heap.putLong(rb + REB_CURSOR, 0);
        heap.putLong(rb + REB_MOVED, 0);
        heap.putLong(rb + REB_RESERVED, used);
        if (used == 0) {
            finishMigration(dict, rb);
        }
    }

    /**
     * Moves the old pair's live entries, in order, to the new pair's next kept positions: up to
     * {@code moves} entries, looking at up to {@code visits} old positions. An entry moves to a lower
     * slot, which the pause-bounded collector may already have passed: it hears of the key and value
     * as of a reference handed over.
     */
    private void migrate(long dict, long rb, long visits, long moves) {
        long oldEntries = heap.getLong(rb + REB_ENTRIES);
        long oldNext = heap.getLong(rb + REB_NEXT);
        long c = heap.getLong(rb + REB_CURSOR);
        long q = heap.getLong(rb + REB_MOVED);
        long index = heap.getLong(dict + DICT_INDEX);
        long mask = heap.getLong(dict + DICT_MASK);
        long entries = heap.getLong(dict + DICT_ENTRIES);
        while (c < oldNext && visits > 0 && moves > 0) {
            long e = oldEntries + c * ENTRY_SIZE;
            long kw = heap.getLong(e + ENTRY_KEY);
            if (kw != 0) {
                long h = heap.getLong(e + ENTRY_HASH);
                long v = heap.getLong(e + ENTRY_VALUE);
                long to = entries + q * ENTRY_SIZE;
                heap.putLong(to + ENTRY_HASH, h);
                heap.putLong(to + ENTRY_KEY, kw);
                heap.putLong(to + ENTRY_VALUE, v);
                insertSlot(index, mask, h, q);
                heap.putLong(e + ENTRY_KEY, 0);
                heap.putLong(e + ENTRY_VALUE, 0);
                heap.referenceMoved(kw & KEY_ADDRESS);
                heap.referenceMoved(v);
                q++;
                moves--;
            }
            c++;
            visits--;
        }
        heap.putLong(rb + REB_CURSOR, c);
        heap.putLong(rb + REB_MOVED, q);
        if (c == oldNext) {
            finishMigration(dict, rb);
        }
    }

    /**
     * Every old entry has moved: the old pair goes. Keys inserted during the migration (slots from
     * the old pair's end on) now number from the reserved mark, held nothing between.
     */
    private void finishMigration(long dict, long rb) {
        long oldNext = heap.getLong(rb + REB_NEXT);
        long reserved = heap.getLong(rb + REB_RESERVED);
        heap.freeRaw(heap.getLong(rb + REB_INDEX));
        heap.freeRaw(heap.getLong(rb + REB_ENTRIES));
        heap.freeRaw(rb);
        heap.putLong(dict + DICT_REBUILD, 0);
        heap.containerSlotsMoved(dict, oldNext, reserved);
    }

    private void zero(long address, long bytes) {
        long off = address - heap.base;
        while (bytes > 0) {
            long n = Math.min(bytes, ZERO_STEP);
            MemorySegment.copy(ZEROS, 0, heap.seg, off, n);
            off += n;
            bytes -= n;
        }
    }

    private void freeIfAny(long block) {
        if (block != 0) {
            heap.freeRaw(block);
        }
    }

    // ------------------------------------------------------------------ hashing and equality

    /**
     * The hash of a key by value; throws for unhashable keys (list, dict, tuples holding them).
     * A tuple's hash is {@code acc = 0x345678 + n}, then {@code acc = combine(acc, hash(item))} per
     * item in order; nested tuples are walked with {@link #stack}, not Java recursion.
     */
    long hash(long key) {
        long type = heap.getLong(key + TYPE);
        int kind = heap.getInt(type + TP_KIND);
        if (kind == KIND_TUPLE) {
            return hashTuple(key);
        }
        if (kind == KIND_LIST || kind == KIND_DICT) {
            throw unhashable(key, type, 0, key);
        }
        return hashAtom(key, kind);
    }

    /** The hash of a key that is not a tuple and is hashable. */
    private long hashAtom(long key, int kind) {
        switch (kind) {
            case KIND_INT:
                return Hashing.mix(heap.getLong(key + VALUE));
            case KIND_FLOAT:
                return hashFloat(key);
            case KIND_STR:
            case KIND_BYTES:
                return heap.getLong(key + STR_HASH);
            default:
                return Hashing.mix(key);
        }
    }

    /**
     * Equal floats hash equal: {@code -0.0 + 0.0} is {@code +0.0}, so the two zeros (which compare
     * equal) share the bits of +0.0; every other value keeps its raw bits. A NaN equals nothing but
     * itself, so it hashes by identity as in CPython 3.10+ (bpo-43475): NaN keys of the same bits
     * then spread over the table instead of sharing one probe chain.
     */
    private long hashFloat(long key) {
        double v = heap.seg.get(JAVA_DOUBLE, key + VALUE - heap.base);
        if (v != v) {
            return Hashing.mix(key);
        }
        return Hashing.mix(Double.doubleToRawLongBits(v + 0.0) ^ 0x5bd1e995L);
    }

    /** The hash of a tuple, depth first over {@link #stack}; a frame: the tuple, its next index, the hash so far. */
    private long hashTuple(long root) {
        long[] st = stack;
        st[0] = root;
        st[1] = 0;
        st[2] = 0x345678L + heap.getLong(root + TUPLE_SIZE);
        int sp = FRAME;
        while (true) {
            int top = sp - FRAME;
            long t = st[top];
            long i = st[top + 1];
            if (i < heap.getLong(t + TUPLE_SIZE)) {
                st[top + 1] = i + 1;
                long item = heap.getLong(t + TUPLE_ITEMS + 8 * i);
                long type = heap.getLong(item + TYPE);
                int kind = heap.getInt(type + TP_KIND);
                if (kind == KIND_TUPLE) {
                    if (sp == st.length) {
                        st = growStack();
                    }
                    st[sp] = item;
                    st[sp + 1] = 0;
                    st[sp + 2] = 0x345678L + heap.getLong(item + TUPLE_SIZE);
                    sp += FRAME;
                } else if (kind == KIND_LIST || kind == KIND_DICT) {
                    throw unhashable(item, type, t, root); // nothing changed yet: the stack is scratch
                } else {
                    st[top + 2] = Hashing.combine(st[top + 2], hashAtom(item, kind));
                }
            } else {
                long h = st[top + 2];
                if (top == 0) {
                    return h;
                }
                sp = top;
                st[top - 1] = Hashing.combine(st[top - 1], h);
            }
        }
    }

    private long[] growStack() {
        stack = Arrays.copyOf(stack, stack.length * 2);
        return stack;
    }

    private WrongTypeException unhashable(long item, long type, long tuple, long key) {
        String where = tuple == 0 ? "key " + heap.describe(item)
                : "item " + heap.describe(item) + " of tuple " + (tuple == key ? "key " : "")
                        + heap.describe(tuple) + (tuple == key ? "" : ", nested in key " + heap.describe(key));
        return new WrongTypeException("unhashable type: '" + heap.typeName(type) + "' (" + where + ")");
    }

    /**
     * Equality of two key objects with equal hashes: by value for int, float, str, bytes and tuples
     * of them, by identity otherwise. Identity first at every level, as CPython's
     * {@code PyObject_RichCompareBool}: a NaN is equal to itself in a tuple.
     */
    boolean keysEqual(long a, long b) {
        if (a == b) {
            return true;
        }
        long type = heap.getLong(a + TYPE);
        if (type != heap.getLong(b + TYPE)) {
            return false;
        }
        int kind = heap.getInt(type + TP_KIND);
        return kind == KIND_TUPLE ? tuplesEqual(a, b) : atomsEqual(a, b, kind);
    }

    /** Two distinct non-tuple objects of the same type. */
    private boolean atomsEqual(long a, long b, int kind) {
        switch (kind) {
            case KIND_INT:
                return heap.getLong(a + VALUE) == heap.getLong(b + VALUE);
            case KIND_FLOAT:
                return heap.seg.get(JAVA_DOUBLE, a + VALUE - heap.base)
                        == heap.seg.get(JAVA_DOUBLE, b + VALUE - heap.base);
            case KIND_STR:
            case KIND_BYTES: {
                long n = heap.getLong(a + STR_SIZE);
                if (n != heap.getLong(b + STR_SIZE)) {
                    return false;
                }
                long ao = a + STR_DATA - heap.base;
                long bo = b + STR_DATA - heap.base;
                return MemorySegment.mismatch(heap.seg, ao, ao + n, heap.seg, bo, bo + n) == -1;
            }
            default:
                return false;
        }
    }

    /** Two distinct tuples, compared item by item over {@link #stack}; a frame: both tuples, their next index. */
    private boolean tuplesEqual(long a, long b) {
        if (heap.getLong(a + TUPLE_SIZE) != heap.getLong(b + TUPLE_SIZE)) {
            return false;
        }
        long[] st = stack;
        st[0] = a;
        st[1] = b;
        st[2] = 0;
        int sp = FRAME;
        while (true) {
            int top = sp - FRAME;
            long ta = st[top];
            long i = st[top + 2];
            if (i < heap.getLong(ta + TUPLE_SIZE)) {
                st[top + 2] = i + 1;
                long x = heap.getLong(ta + TUPLE_ITEMS + 8 * i);
                long y = heap.getLong(st[top + 1] + TUPLE_ITEMS + 8 * i);
                if (x == y) {
                    continue;
                }
                long type = heap.getLong(x + TYPE);
                if (type != heap.getLong(y + TYPE)) {
                    return false;
                }
                int kind = heap.getInt(type + TP_KIND);
                if (kind == KIND_TUPLE) {
                    if (heap.getLong(x + TUPLE_SIZE) != heap.getLong(y + TUPLE_SIZE)) {
                        return false;
                    }
                    if (sp == st.length) {
                        st = growStack();
                    }
                    st[sp] = x;
                    st[sp + 1] = y;
                    st[sp + 2] = 0;
                    sp += FRAME;
                } else if (!atomsEqual(x, y, kind)) {
                    return false;
                }
            } else {
                if (top == 0) {
                    return true;
                }
                sp = top;
            }
        }
    }

    private void check(long dict) {
        heap.checkOwner();
        heap.checkType(dict, dictType, "dict");
    }

    private static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }
}
