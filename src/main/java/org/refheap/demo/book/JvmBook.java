package org.refheap.demo.book;

import java.util.HashMap;
import java.util.TreeMap;

/**
 * The baseline a Java programmer would otherwise write: the same books from plain objects on the JVM
 * heap (Order and Level with prev/next references, a TreeMap of levels per instrument and side, one
 * HashMap from id to order), left to the JVM's collector. A wiped level becomes garbage the same way as in
 * {@link RefheapBook}; here the JVM's tracing collector finds it.
 */
public final class JvmBook implements OrderBook {
    static final class Order {
        final long id;
        final long price;
        final int side;
        final int instrument;
        long qty;
        Order prev;
        Order next;
        Level level;

        Order(long id, int instrument, int side, long price, long qty) {
            this.id = id;
            this.instrument = instrument;
            this.side = side;
            this.price = price;
            this.qty = qty;
        }
    }

    static final class Level {
        final long price;
        long totalQty;
        long count;
        Order head;
        Order tail;

        Level(long price) {
            this.price = price;
        }
    }

    /**
     * Per instrument, bids at 2i and asks at 2i+1, both by ascending price: the best bid is the last
     * key, the best ask the first.
     */
    private final TreeMap<Long, Level>[] books;
    private final HashMap<Long, Order> index = new HashMap<>();
    private long levels;

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type: made raw, used typed
    public JvmBook(int instruments) {
        books = new TreeMap[2 * instruments];
        for (int i = 0; i < books.length; i++) {
            books[i] = new TreeMap<>();
        }
    }

    private TreeMap<Long, Level> side(int instrument, int side) {
        return books[2 * instrument + side];
    }

    @Override
    public void add(int instrument, long id, int side, long price, long qty) {
        TreeMap<Long, Level> book = side(instrument, side);
        Level level = book.get(price);
        if (level == null) {
            level = new Level(price);
            book.put(price, level);
            levels++;
        }
        Order o = new Order(id, instrument, side, price, qty);
        o.level = level;
        if (level.tail == null) {
            level.head = o;
        } else {
            level.tail.next = o;
            o.prev = level.tail;
        }
        level.tail = o;
        level.totalQty += qty;
        level.count++;
        index.put(id, o);
    }

    @Override
    public boolean cancel(long id) {
        Order o = index.get(id);
        if (o == null) {
            return false;
        }
        remove(o);
        return true;
    }

    @Override
    public long execute(int instrument, int side, long limit, long qty) {
        TreeMap<Long, Level> book = side(instrument, 1 - side);
        long filled = 0;
        while (filled < qty && !book.isEmpty()) {
            Level level = side == BUY ? book.firstEntry().getValue() : book.lastEntry().getValue();
            if (side == BUY ? level.price > limit : level.price < limit) {
                break;
            }
            while (filled < qty && level.head != null) {
                Order o = level.head;
                long take = Math.min(qty - filled, o.qty);
                filled += take;
                if (take == o.qty) {
                    remove(o); // drops the level too when o was its last order
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
        Level level = side(instrument, side).remove(price);
        if (level == null) {
            return 0;
        }
        levels--;
        int n = 0;
        for (Order o = level.head; o != null; o = o.next) {
            index.remove(o.id);
            n++;
        }
        return n; // level and orders still point at each other: garbage for the JVM's collector
    }

    /** Unlinks {@code o} from its level's queue and the index; drops the level when it empties. */
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
        o.prev = o.next = null;
        o.level = null;
        level.totalQty -= o.qty;
        if (--level.count == 0) {
            side(o.instrument, o.side).remove(level.price);
            levels--;
        }
        index.remove(o.id);
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
        for (int b = 0; b < books.length; b++) {
            for (Level level : books[b].values()) {
                long qty = 0;
                long count = 0;
                for (Order o = level.head; o != null; o = o.next) {
                    h = OrderBook.mixOrder(h, b >> 1, b & 1, level.price, o.id, o.qty);
                    qty += o.qty;
                    count++;
                }
                if (qty != level.totalQty || count != level.count || count == 0) {
                    throw new IllegalStateException("JVM book level " + level.price + " inconsistent: totalQty "
                            + level.totalQty + " vs " + qty + ", count " + level.count + " vs " + count);
                }
            }
        }
        return h;
    }
}
