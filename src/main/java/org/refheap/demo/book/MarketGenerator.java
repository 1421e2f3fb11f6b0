package org.refheap.demo.book;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A deterministic, seeded market: instruments whose fair prices drift as random walks, limit orders
 * placed around them, random live orders cancelled, aggressive orders crossing the spread, and now
 * and then a whole price level pulled at once. Order ids are unique across the venue (one index).
 *
 * <p>Which orders are live depends on what executions consumed, so the generator keeps its own model
 * of the book (a {@link PooledBook}: it makes no garbage, so the JVM's collector stays out of the way
 * of generating tens of millions of events) and applies every event it makes to it. The stream is
 * made once and replayed by every contender: they see identical events, and the model's final
 * checksum is what every contender must end with.
 *
 * <p>The mix keeps the book's size steady: the more orders rest, the likelier a cancel and the less
 * likely a new order (equally likely at {@code balance} orders), as when market makers pull quotes
 * from a crowded book. With executions and wipes taking orders too, a balance of
 * {@link #BALANCE_PER_ORDER} per resting order holds the book at its size.
 *
 * <p>At scale ({@link #forLive}) the venue has many instruments, each the size of the original
 * demo's single book ({@link #ORDERS_PER_INSTRUMENT}): that is what a real venue looks like (thousands
 * of books of modest depth behind one order-id index), rather than one book a million orders deep.
 * The stream starts with a load, the start of day: {@code live} adds spread over the instruments.
 */
public final class MarketGenerator {
    /** Fair price at the start, in ticks. */
    static final long START_PRICE = 100_000;
    static final double P_EXECUTE = 0.06;
    static final double P_WIPE = 0.002;
    static final double P_DRIFT = 0.03;
    /** Resting orders of one instrument: the original demo's book size. */
    public static final int ORDERS_PER_INSTRUMENT = 3_500;
    /** Balance per resting order at which adds and removals even out (measured: 2.6 held 4,000 orders where 3,500 were loaded). */
    static final double BALANCE_PER_ORDER = 2.3;

    private final SplittableRandom rnd;
    private final double balance;
    private final int instruments;
    private final PooledBook model;
    /** Ids that were live when added; filled and wiped ones are pruned lazily when drawn. */
    private long[] live = new long[1024];
    private int liveCount;
    private final long[] fair;
    private long nextId = 1;

    public MarketGenerator(long seed, int instruments, double balance) {
        this.rnd = new SplittableRandom(seed);
        this.instruments = instruments;
        this.balance = balance;
        this.model = new PooledBook(instruments, (int) Math.min(Integer.MAX_VALUE / 2, Math.round(balance / BALANCE_PER_ORDER)));
        this.fair = new long[instruments];
        Arrays.fill(fair, START_PRICE);
    }

    /** {@code events} events from {@code seed} on one instrument with balance 10,000, no load: a small book. */
    public static Generated generate(long seed, int events) {
        return new MarketGenerator(seed, 1, 10_000).generate(0, events);
    }

    /** The instruments a venue of {@code live} resting orders has: books of the demo's size. */
    public static int instrumentsFor(long live) {
        return (int) Math.max(1, Math.min(Short.MAX_VALUE, Math.round(live / (double) ORDERS_PER_INSTRUMENT)));
    }

    /** A venue of about {@code live} resting orders: a load of {@code live} adds, then {@code events} events. */
    public static Generated forLive(long seed, int live, int events) {
        return new MarketGenerator(seed, instrumentsFor(live), live * BALANCE_PER_ORDER).generate(live, events);
    }

    /** The stream, and the checksum, orders and levels of the book it leaves. */
    public record Generated(EventStream stream, long checksum, long orders, long levels) {
    }

    /** {@code load} adds round the instruments (the start of day), then {@code events} mixed events. */
    public Generated generate(int load, int events) {
        EventStream s = new EventStream(load + events, instruments);
        for (int i = 0; i < load; i++) {
            add(s, i % instruments);
            model.apply(s, s.size() - 1);
        }
        s.endLoad();
        for (int i = 0; i < events; i++) {
            next(s);
            model.apply(s, s.size() - 1);
        }
        return new Generated(s, model.checksum(), model.orderCount(), model.levelCount());
    }

    private void next(EventStream s) {
        int k = instruments == 1 ? 0 : rnd.nextInt(instruments);
        if (rnd.nextDouble() < P_DRIFT) {
            fair[k] += rnd.nextBoolean() ? 1 : -1;
        }
        double r = rnd.nextDouble();
        long orders = model.orderCount();
        if (r < P_WIPE && orders > 0) {
            wipe(s, k);
        } else if (r < P_WIPE + P_EXECUTE && orders > 0) {
            execute(s, k);
        } else if (rnd.nextDouble() * (orders + balance) < orders) {
            cancel(s, k);
        } else {
            add(s, k);
        }
    }

    private void add(EventStream s, int k) {
        int side = rnd.nextInt(2);
        // Most orders close to the fair price, a few far out: 1 + an exponential with mean 6 ticks.
        long offset = 1 + Math.min(200, (long) (-Math.log(1 - rnd.nextDouble()) * 6));
        long price = side == OrderBook.BUY ? fair[k] - offset : fair[k] + offset;
        // A limit order rests: it never crosses the other side (that would be an execution).
        if (side == OrderBook.BUY && model.hasSide(k, OrderBook.SELL)) {
            price = Math.min(price, model.best(k, OrderBook.SELL) - 1);
        } else if (side == OrderBook.SELL && model.hasSide(k, OrderBook.BUY)) {
            price = Math.max(price, model.best(k, OrderBook.BUY) + 1);
        }
        long qty = 100 * (1 + rnd.nextInt(10));
        long id = nextId++;
        s.add(EventStream.ADD, k, side, price, qty, id);
        if (liveCount == live.length) {
            live = Arrays.copyOf(live, liveCount * 2);
        }
        live[liveCount++] = id;
    }

    private void cancel(EventStream s, int k) {
        long id = drawLive();
        if (id == 0) {
            add(s, k);
            return;
        }
        s.add(EventStream.CANCEL, model.orderInstrument(id), 0, 0, 0, id);
    }

    private void execute(EventStream s, int k) {
        // Aggressors mostly push the book towards the fair price, as arbitrage would.
        boolean haveBoth = model.hasSide(k, OrderBook.BUY) && model.hasSide(k, OrderBook.SELL);
        int side;
        if (haveBoth && rnd.nextDouble() < 0.7) {
            long mid2 = model.best(k, OrderBook.BUY) + model.best(k, OrderBook.SELL);
            side = 2 * fair[k] > mid2 ? OrderBook.BUY : 2 * fair[k] < mid2 ? OrderBook.SELL : rnd.nextInt(2);
        } else {
            side = rnd.nextInt(2);
        }
        int other = 1 - side;
        if (!model.hasSide(k, other)) {
            add(s, k);
            return;
        }
        long reach = rnd.nextInt(4); // ticks through the book beyond the best price
        long limit = side == OrderBook.BUY ? model.best(k, other) + reach : model.best(k, other) - reach;
        long qty = 100 * (1 + rnd.nextInt(30));
        s.add(EventStream.EXECUTE, k, side, limit, qty, 0);
    }

    private void wipe(EventStream s, int k) {
        long id = drawLive(); // the level of a random live order: big levels go more often
        if (id == 0) {
            add(s, k);
            return;
        }
        s.add(EventStream.WIPE, model.orderInstrument(id), model.orderSide(id), model.orderPrice(id), 0, 0);
    }

    /** A uniformly drawn live order's id, or 0 when the book is empty. */
    private long drawLive() {
        while (liveCount > 0) {
            int j = rnd.nextInt(liveCount);
            long id = live[j];
            if (model.contains(id)) {
                return id;
            }
            live[j] = live[--liveCount]; // filled or wiped since: prune
        }
        return 0;
    }
}
