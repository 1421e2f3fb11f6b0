package org.refheap.demo.book;

import java.util.Arrays;

/**
 * A recorded market-data stream, one event per index, kept as parallel primitive arrays: the four
 * modes replay exactly the same events, and replaying allocates nothing on the JVM heap, so the
 * stream itself never disturbs a measurement.
 */
public final class EventStream {
    /** A new limit order rests in the book: id, side, price, qty. */
    public static final byte ADD = 0;
    /** A live order leaves the book: id. */
    public static final byte CANCEL = 1;
    /** An aggressive order of {@code side} takes up to qty, best price first, while price is within its limit. */
    public static final byte EXECUTE = 2;
    /** A whole price level goes at once (a market maker pulls its quotes): side, price. */
    public static final byte WIPE = 3;
    static final String[] KIND_NAMES = {"add", "cancel", "execute", "wipe"};

    private byte[] kind;
    private byte[] side;
    // ints, not longs: prices stay near 100,000 ticks, quantities small, ids below the event count;
    // 13 bytes an event keeps a stream of tens of millions affordable.
    private int[] price;
    private int[] qty;
    private int[] id;
    private int size;

    EventStream(int capacity) {
        kind = new byte[capacity];
        side = new byte[capacity];
        price = new int[capacity];
        qty = new int[capacity];
        id = new int[capacity];
    }

    void add(byte k, int s, long p, long q, long i) {
        if (size == kind.length) {
            int n = Math.max(16, size * 2);
            kind = Arrays.copyOf(kind, n);
            side = Arrays.copyOf(side, n);
            price = Arrays.copyOf(price, n);
            qty = Arrays.copyOf(qty, n);
            id = Arrays.copyOf(id, n);
        }
        kind[size] = k;
        side[size] = (byte) s;
        price[size] = Math.toIntExact(p);
        qty[size] = Math.toIntExact(q);
        id[size] = Math.toIntExact(i);
        size++;
    }

    public int size() {
        return size;
    }

    public byte kind(int i) {
        return kind[i];
    }

    public int side(int i) {
        return side[i];
    }

    public long price(int i) {
        return price[i];
    }

    public long qty(int i) {
        return qty[i];
    }

    public long id(int i) {
        return id[i];
    }

    /** How many events of each kind, for the header. */
    public long[] countByKind() {
        long[] c = new long[KIND_NAMES.length];
        for (int i = 0; i < size; i++) {
            c[kind[i]]++;
        }
        return c;
    }
}
