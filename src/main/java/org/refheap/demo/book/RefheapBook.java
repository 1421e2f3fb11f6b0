package org.refheap.demo.book;

import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.StructType;

import java.lang.foreign.MemoryLayout;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The venue's books with every object in refheap. An order is a struct in its level's doubly linked
 * queue; a level is a struct with the queue's head and tail; each side of each instrument is a dict
 * from an int (the price) to its level, and one index dict maps an int (the order id) to the order.
 *
 * <p>References, each one counted: the index holds every order; an order is held by its neighbours
 * ({@code prev.next}, {@code next.prev}, or the level's head and tail at the ends) and holds its level.
 * So a resting order has count 3 and the book is full of cycles (order &lt;-&gt; level, prev &lt;-&gt;
 * next). Cancels and fills unlink the order and clear its fields before the index lets it go, so its
 * count reaches zero and it is freed at once, no collector needed. A wipe drops the level from its
 * side and its orders from the index but leaves the queue as it is: the level and its orders still
 * hold each other, unreachable, and only the cycle collector can give that memory back.
 *
 * <p>The best price of each side is kept in a Java {@code long[]}; when its level goes, the next one is
 * found by probing the dict tick by tick (prices sit close together). Keys are given to the dicts by
 * value ({@code putInt}, {@code getInt}, {@code removeInt}): a lookup makes no key object.
 */
public final class RefheapBook implements OrderBook {
    private final Heap heap;
    private final Dicts dicts;
    private final StructType orderType;
    private final StructType levelType;
    private final StructType.Field oId, oPrice, oQty, oSide, oPrev, oNext, oLevel;
    private final StructType.Field lPrice, lInstrument, lTotal, lCount, lHead, lTail;
    /** Per instrument i, bids at 2i and asks at 2i+1 (price -> level); with the index (id -> order), the dicts the book owns. */
    private final long[] sides;
    private final long index;
    private final long[] best;
    private long levels;

    public RefheapBook(Heap heap) {
        this(heap, 1);
    }

    public RefheapBook(Heap heap, int instruments) {
        this.heap = heap;
        this.dicts = heap.dicts();
        orderType = heap.defineStruct("Order", MemoryLayout.structLayout(
                JAVA_LONG.withName("id"), JAVA_LONG.withName("price"), JAVA_LONG.withName("qty"),
                JAVA_LONG.withName("side"),
                ADDRESS.withName("prev"), ADDRESS.withName("next"), ADDRESS.withName("level")));
        levelType = heap.defineStruct("Level", MemoryLayout.structLayout(
                JAVA_LONG.withName("price"), JAVA_LONG.withName("instrument"), JAVA_LONG.withName("totalQty"),
                JAVA_LONG.withName("count"),
                ADDRESS.withName("head"), ADDRESS.withName("tail")));
        oId = orderType.field("id");
        oPrice = orderType.field("price");
        oQty = orderType.field("qty");
        oSide = orderType.field("side");
        oPrev = orderType.field("prev");
        oNext = orderType.field("next");
        oLevel = orderType.field("level");
        lPrice = levelType.field("price");
        lInstrument = levelType.field("instrument");
        lTotal = levelType.field("totalQty");
        lCount = levelType.field("count");
        lHead = levelType.field("head");
        lTail = levelType.field("tail");
        sides = new long[2 * instruments];
        for (int i = 0; i < sides.length; i++) {
            sides[i] = dicts.newDict();
        }
        best = new long[sides.length];
        index = dicts.newDict();
    }

    @Override
    public void add(int instrument, long id, int side, long price, long qty) {
        int b = 2 * instrument + side;
        long level = level(b, price);
        if (level == 0) {
            level = levelType.allocate();
            lPrice.setLong(level, price);
            lInstrument.setLong(level, instrument);
            dicts.putInt(sides[b], price, level);
            heap.decref(level); // the side dict holds it now
            levels++;
            if (dicts.size(sides[b]) == 1 || better(side, price, best[b])) {
                best[b] = price;
            }
        }
        long o = orderType.allocate();
        oId.setLong(o, id);
        oPrice.setLong(o, price);
        oQty.setLong(o, qty);
        oSide.setLong(o, side);
        oLevel.setRef(o, level);
        long tail = lTail.getRef(level);
        if (tail == 0) {
            lHead.setRef(level, o);
        } else {
            oNext.setRef(tail, o);
            oPrev.setRef(o, tail);
        }
        lTail.setRef(level, o);
        lTotal.setLong(level, lTotal.getLong(level) + qty);
        lCount.setLong(level, lCount.getLong(level) + 1);
        dicts.putInt(index, id, o);
        heap.decref(o); // the index and the queue hold it now
    }

    @Override
    public boolean cancel(long id) {
        long o = dicts.getInt(index, id);
        if (o == 0) {
            return false;
        }
        remove(o);
        return true;
    }

    @Override
    public long execute(int instrument, int side, long limit, long qty) {
        int other = 2 * instrument + 1 - side;
        long filled = 0;
        while (filled < qty && dicts.size(sides[other]) > 0) {
            long price = best[other];
            if (side == BUY ? price > limit : price < limit) {
                break;
            }
            long level = level(other, price);
            while (filled < qty) {
                long o = lHead.getRef(level); // never 0 here: an empty level leaves its side at once
                long resting = oQty.getLong(o);
                long take = Math.min(qty - filled, resting);
                filled += take;
                if (take == resting) {
                    boolean last = lCount.getLong(level) == 1;
                    remove(o); // frees o, and the level with its last order
                    if (last) {
                        break;
                    }
                } else {
                    oQty.setLong(o, resting - take);
                    lTotal.setLong(level, lTotal.getLong(level) - take);
                }
            }
        }
        return filled;
    }

    @Override
    public int wipe(int instrument, int side, long price) {
        int b = 2 * instrument + side;
        long level = level(b, price);
        if (level == 0) {
            return 0;
        }
        int n = 0;
        for (long o = lHead.getRef(level); o != 0; o = oNext.getRef(o)) {
            dicts.removeInt(index, oId.getLong(o)); // o lives on: its neighbours (or the level) still hold it
            n++;
        }
        // Deliberately no unlinking: after this the level and its orders hold each other and nothing
        // else holds them. Cyclic garbage, left for the collector.
        dropLevel(b, price);
        return n;
    }

    /**
     * Unlinks {@code o} from its queue, clears its references, updates its level (dropping it when
     * empty) and lets the index go, the last reference: o is freed by its count, at once.
     */
    private void remove(long o) {
        long level = oLevel.getRef(o);
        long prev = oPrev.getRef(o);
        long next = oNext.getRef(o);
        if (prev == 0) {
            lHead.setRef(level, next);
        } else {
            oNext.setRef(prev, next);
        }
        if (next == 0) {
            lTail.setRef(level, prev);
        } else {
            oPrev.setRef(next, prev);
        }
        oPrev.setRef(o, 0);
        oNext.setRef(o, 0);
        oLevel.setRef(o, 0); // the side dict still holds the level
        long count = lCount.getLong(level) - 1;
        lCount.setLong(level, count);
        lTotal.setLong(level, lTotal.getLong(level) - oQty.getLong(o));
        if (count == 0) {
            // empty: freed by its count
            dropLevel((int) (2 * lInstrument.getLong(level) + oSide.getLong(o)), lPrice.getLong(level));
        }
        dicts.removeInt(index, oId.getLong(o));
    }

    /** The level at {@code price} of book {@code b} (2 * instrument + side), borrowed, or 0. */
    private long level(int b, long price) {
        return dicts.getInt(sides[b], price);
    }

    /** Removes the level from book {@code b} and, when it was the best, finds the next best. */
    private void dropLevel(int b, long price) {
        dicts.removeInt(sides[b], price);
        levels--;
        if (price == best[b] && dicts.size(sides[b]) > 0) {
            long step = (b & 1) == BUY ? -1 : 1; // away from the spread: every other level is there
            long p = price + step;
            while (level(b, p) == 0) {
                p += step;
            }
            best[b] = p;
        }
    }

    private static boolean better(int side, long price, long than) {
        return side == BUY ? price > than : price < than;
    }

    @Override
    public long orderCount() {
        return dicts.size(index);
    }

    @Override
    public long levelCount() {
        return levels;
    }

    /**
     * The objects this book keeps alive: its orders and levels, the int key of each (id or price) and
     * its dicts. After a full collection the heap holds exactly these. Keys -5..256 are CPython's
     * immortal small ints, shared and never counted, so only the other keys count.
     */
    public long bookObjects() {
        long n = orderCount() + levelCount() + sides.length + 1;
        for (int b = 0; b <= sides.length; b++) {
            long d = b < sides.length ? sides[b] : index;
            for (long s = dicts.nextSlot(d, 0); s >= 0; s = dicts.nextSlot(d, s + 1)) {
                if (!heap.isImmortal(dicts.keyAt(d, s))) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public long checksum() {
        long h = 0;
        for (int b = 0; b < sides.length; b++) {
            long d = sides[b];
            long[] prices = new long[(int) dicts.size(d)];
            int n = 0;
            for (long s = dicts.nextSlot(d, 0); s >= 0; s = dicts.nextSlot(d, s + 1)) {
                prices[n++] = heap.intValue(dicts.keyAt(d, s));
            }
            Arrays.sort(prices);
            for (long price : prices) {
                long level = level(b, price);
                long qty = 0;
                long count = 0;
                for (long o = lHead.getRef(level); o != 0; o = oNext.getRef(o)) {
                    h = OrderBook.mixOrder(h, b >> 1, b & 1, price, oId.getLong(o), oQty.getLong(o));
                    qty += oQty.getLong(o);
                    count++;
                }
                if (qty != lTotal.getLong(level) || count != lCount.getLong(level) || count == 0) {
                    throw new IllegalStateException("refheap book level " + price + " inconsistent: totalQty "
                            + lTotal.getLong(level) + " vs " + qty + ", count " + lCount.getLong(level) + " vs " + count);
                }
            }
        }
        return h;
    }
}
