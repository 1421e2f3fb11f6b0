package org.refheap.demo.book;

import java.util.Arrays;

/**
 * The best plain-Java answer: what a latency-minded Java programmer writes so that the JVM's
 * collector has nothing to do. Orders and levels are objects from pools made up front and reused;
 * the id index and each side's price -> level map are {@link LongIntMap}s (primitive keys, no boxing,
 * no nodes) from keys to pool slots; every removal, a wipe's orders included, hands the objects back
 * to their pool. In steady state nothing is allocated at all, so there is no garbage to collect.
 *
 * <p>The price is explicit memory management by hand, exactly what refheap's reference counts do for
 * you: a forgotten release is a leak, a release too many a corrupted book, and a wipe has to walk its
 * level to give the orders back.
 */
public final class PooledBook implements OrderBook {
    static final class Order {
        final int slot;
        long id;
        long price;
        long qty;
        int side;
        int instrument;
        Order prev;
        Order next;
        Level level;

        Order(int slot) {
            this.slot = slot;
        }
    }

    static final class Level {
        final int slot;
        long price;
        int book; // 2 * instrument + side
        long totalQty;
        long count;
        Order head;
        Order tail;

        Level(int slot) {
            this.slot = slot;
        }
    }

    private Order[] orders;
    private int[] freeOrders;
    private int freeOrderCount;
    private Level[] levelPool;
    private int[] freeLevels;
    private int freeLevelCount;
    /** id -> order slot. */
    private final LongIntMap index;
    /** Per instrument i, bids at 2i and asks at 2i+1: price -> level slot. */
    private final LongIntMap[] sides;
    private final long[] best;
    private long levels;

    /** Pools and maps sized for {@code expectedOrders} resting orders, so that none grows in steady state. */
    public PooledBook(int instruments, int expectedOrders) {
        int orderCapacity = Math.max(1024, expectedOrders + expectedOrders / 2);
        orders = new Order[0];
        freeOrders = new int[0];
        growOrders(orderCapacity);
        levelPool = new Level[0];
        freeLevels = new int[0];
        growLevels(Math.max(256, 200 * instruments));
        index = new LongIntMap(orderCapacity);
        sides = new LongIntMap[2 * instruments];
        for (int b = 0; b < sides.length; b++) {
            sides[b] = new LongIntMap(256);
        }
        best = new long[sides.length];
    }

    @Override
    public void add(int instrument, long id, int side, long price, long qty) {
        int b = 2 * instrument + side;
        LongIntMap book = sides[b];
        int ls = book.get(price);
        Level level;
        if (ls == LongIntMap.MISSING) {
            level = newLevel();
            level.price = price;
            level.book = b;
            book.put(price, level.slot);
            levels++;
            if (book.size() == 1 || (side == BUY ? price > best[b] : price < best[b])) {
                best[b] = price;
            }
        } else {
            level = levelPool[ls];
        }
        Order o = newOrder();
        o.id = id;
        o.price = price;
        o.qty = qty;
        o.side = side;
        o.instrument = instrument;
        o.level = level;
        Order tail = level.tail;
        if (tail == null) {
            level.head = o;
        } else {
            tail.next = o;
            o.prev = tail;
        }
        level.tail = o;
        level.totalQty += qty;
        level.count++;
        index.put(id, o.slot);
    }

    @Override
    public boolean cancel(long id) {
        int slot = index.get(id);
        if (slot == LongIntMap.MISSING) {
            return false;
        }
        remove(orders[slot]);
        return true;
    }

    @Override
    public long execute(int instrument, int side, long limit, long qty) {
        int other = 2 * instrument + 1 - side;
        LongIntMap book = sides[other];
        long filled = 0;
        while (filled < qty && book.size() > 0) {
            long price = best[other];
            if (side == BUY ? price > limit : price < limit) {
                break;
            }
            Level level = levelPool[book.get(price)];
            while (filled < qty) {
                Order o = level.head;
                long take = Math.min(qty - filled, o.qty);
                filled += take;
                if (take == o.qty) {
                    boolean last = level.count == 1;
                    remove(o); // releases o, and the level with its last order
                    if (last) {
                        break;
                    }
                } else {
                    o.qty -= take;
                    level.totalQty -= take;
                }
            }
        }
        return filled;
    }

    @Override
    public int wipe(int instrument, int side, long price) {
        int b = 2 * instrument + side;
        int ls = sides[b].get(price);
        if (ls == LongIntMap.MISSING) {
            return 0;
        }
        Level level = levelPool[ls];
        int n = 0;
        for (Order o = level.head; o != null; ) {
            Order next = o.next;
            index.remove(o.id);
            releaseOrder(o);
            o = next;
            n++;
        }
        dropLevel(level);
        return n;
    }

    private void remove(Order o) {
        Level level = o.level;
        if (o.prev == null) {
            level.head = o.next;
        } else {
            o.prev.next = o.next;
        }
        if (o.next == null) {
            level.tail = o.prev;
        } else {
            o.next.prev = o.prev;
        }
        level.totalQty -= o.qty;
        index.remove(o.id);
        releaseOrder(o);
        if (--level.count == 0) {
            dropLevel(level);
        }
    }

    /** Takes the level out of its side, finds the next best price when it was the best, and releases it. */
    private void dropLevel(Level level) {
        int b = level.book;
        long price = level.price;
        LongIntMap book = sides[b];
        book.remove(price);
        levels--;
        releaseLevel(level);
        if (price == best[b] && book.size() > 0) {
            long step = (b & 1) == BUY ? -1 : 1; // away from the spread: every other level is there
            long p = price + step;
            while (book.get(p) == LongIntMap.MISSING) {
                p += step;
            }
            best[b] = p;
        }
    }

    private Order newOrder() {
        if (freeOrderCount == 0) {
            growOrders(orders.length * 2); // only if the book outgrows its sizing: never in steady state
        }
        return orders[freeOrders[--freeOrderCount]];
    }

    private void releaseOrder(Order o) {
        o.prev = o.next = null;
        o.level = null;
        freeOrders[freeOrderCount++] = o.slot;
    }

    private Level newLevel() {
        if (freeLevelCount == 0) {
            growLevels(levelPool.length * 2);
        }
        return levelPool[freeLevels[--freeLevelCount]];
    }

    private void releaseLevel(Level level) {
        level.head = level.tail = null;
        level.totalQty = 0;
        level.count = 0;
        freeLevels[freeLevelCount++] = level.slot;
    }

    private void growOrders(int capacity) {
        int old = orders.length;
        orders = Arrays.copyOf(orders, capacity);
        freeOrders = Arrays.copyOf(freeOrders, capacity);
        // Highest slots first on the stack, so that slot 0 is handed out first.
        for (int s = capacity - 1; s >= old; s--) {
            orders[s] = new Order(s);
            freeOrders[freeOrderCount++] = s;
        }
    }

    private void growLevels(int capacity) {
        int old = levelPool.length;
        levelPool = Arrays.copyOf(levelPool, capacity);
        freeLevels = Arrays.copyOf(freeLevels, capacity);
        for (int s = capacity - 1; s >= old; s--) {
            levelPool[s] = new Level(s);
            freeLevels[freeLevelCount++] = s;
        }
    }

    @Override
    public long orderCount() {
        return index.size();
    }

    @Override
    public long levelCount() {
        return levels;
    }

    @Override
    public long checksum() {
        long h = 0;
        for (int b = 0; b < sides.length; b++) {
            long[] prices = sides[b].keys();
            Arrays.sort(prices);
            for (long price : prices) {
                Level level = levelPool[sides[b].get(price)];
                long qty = 0;
                long count = 0;
                for (Order o = level.head; o != null; o = o.next) {
                    h = OrderBook.mixOrder(h, b >> 1, b & 1, price, o.id, o.qty);
                    qty += o.qty;
                    count++;
                }
                if (qty != level.totalQty || count != level.count || count == 0) {
                    throw new IllegalStateException("pooled book level " + price + " inconsistent: totalQty "
                            + level.totalQty + " vs " + qty + ", count " + level.count + " vs " + count);
                }
            }
        }
        return h;
    }

    // ------------------------------------------------------------------ for the generator's model

    boolean contains(long id) {
        return index.get(id) != LongIntMap.MISSING;
    }

    int orderInstrument(long id) {
        return orders[index.get(id)].instrument;
    }

    int orderSide(long id) {
        return orders[index.get(id)].side;
    }

    long orderPrice(long id) {
        return orders[index.get(id)].price;
    }

    boolean hasSide(int instrument, int side) {
        return sides[2 * instrument + side].size() > 0;
    }

    /** The best price of a non-empty side. */
    long best(int instrument, int side) {
        return best[2 * instrument + side];
    }
}
