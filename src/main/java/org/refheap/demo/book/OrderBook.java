package org.refheap.demo.book;

/**
 * The order books of a venue, one per instrument, with price-time priority and one order-id index
 * across them: what every contender runs. Three implementations: every object in refheap
 * ({@link RefheapBook}), plain Java objects ({@link JvmBook}), and what a latency-minded Java
 * programmer writes ({@link PooledBook}); the same events must leave all with the same orders, which
 * {@link #checksum()} proves.
 */
public interface OrderBook {
    int BUY = 0;
    int SELL = 1;

    /** A new order rests at the tail of its price level's queue (it never crosses: the generator sees to that). */
    void add(int instrument, long id, int side, long price, long qty);

    /** Removes a live order; false when there is none with that id. */
    boolean cancel(long id);

    /**
     * An aggressive order of {@code side} for {@code qty} on {@code instrument}: consumes the opposite
     * side level by level, best price first and oldest order first in a level, while the price is within
     * {@code limit}. What is left of it is dropped (immediate-or-cancel). Returns the quantity filled.
     */
    long execute(int instrument, int side, long limit, long qty);

    /** Drops the whole level at {@code price} with all its orders; returns how many orders went. */
    int wipe(int instrument, int side, long price);

    long orderCount();

    long levelCount();

    /**
     * A hash over the venue in a canonical order: per instrument and side, levels by ascending price,
     * each level's orders in queue order, (instrument, side, price, id, qty) of each. Also checks each
     * level's totalQty and count.
     */
    long checksum();

    /** Applies event {@code i} of the stream. */
    default void apply(EventStream s, int i) {
        switch (s.kind(i)) {
            case EventStream.ADD -> add(s.instrument(i), s.id(i), s.side(i), s.price(i), s.qty(i));
            case EventStream.CANCEL -> cancel(s.id(i));
            case EventStream.EXECUTE -> execute(s.instrument(i), s.side(i), s.price(i), s.qty(i));
            case EventStream.WIPE -> wipe(s.instrument(i), s.side(i), s.price(i));
            default -> throw new IllegalStateException("unknown event kind " + s.kind(i) + " at " + i);
        }
    }

    /** One order's share of the checksum. */
    static long mixOrder(long h, int instrument, int side, long price, long id, long qty) {
        return mix(mix(mix(mix(mix(h, instrument), side), price), id), qty);
    }

    /** One step of the checksum: a 64-bit mix (SplitMix64's finalizer) over the running hash and one value. */
    static long mix(long h, long v) {
        long z = h * 31 + v + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
