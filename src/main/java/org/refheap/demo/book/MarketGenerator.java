package org.refheap.demo.book;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A deterministic, seeded market: a fair price drifts as a random walk, limit orders are placed
 * around it, random live orders are cancelled, aggressive orders cross the spread, and now and then a
 * whole price level is pulled at once.
 *
 * <p>Which orders are live depends on what executions consumed, so the generator keeps its own model
 * of the book (a {@link JvmBook}, the plain one) and applies every event it makes to it. The stream is
 * made once and replayed by every mode: the modes see identical events, and the model's final
 * checksum is what every mode must end with.
 *
 * <p>The mix keeps the book's size steady: the more orders rest, the likelier a cancel and the less
 * likely a new order (equally likely at {@code balance} orders), as when market makers pull quotes
 * from a crowded book. With executions and wipes taking orders too, the default balance of 10,000
 * settles at about 3,500 resting orders on about 100 levels.
 */
public final class MarketGenerator {
    /** Fair price at the start, in ticks. */
    static final long START_PRICE = 100_000;
    static final double P_EXECUTE = 0.06;
    static final double P_WIPE = 0.002;
    static final double P_DRIFT = 0.03;

    private final SplittableRandom rnd;
    private final int balance;
    private final JvmBook model = new JvmBook();
    /** Ids that were live when added; filled and wiped ones are pruned lazily when drawn. */
    private long[] live = new long[1024];
    private int liveCount;
    private long fair = START_PRICE;
    private long nextId = 1;

    public MarketGenerator(long seed, int balance) {
        this.rnd = new SplittableRandom(seed);
        this.balance = balance;
    }

    /** {@code events} events from {@code seed}, with the default balance. */
    public static Generated generate(long seed, int events) {
        return new MarketGenerator(seed, 10_000).generate(events);
    }

    /** The stream, and the checksum, orders and levels of the book it leaves. */
    public record Generated(EventStream stream, long checksum, long orders, long levels) {
    }

    public Generated generate(int events) {
        EventStream s = new EventStream(events);
        for (int i = 0; i < events; i++) {
            next(s);
            model.apply(s, s.size() - 1);
        }
        return new Generated(s, model.checksum(), model.orderCount(), model.levelCount());
    }

    private void next(EventStream s) {
        if (rnd.nextDouble() < P_DRIFT) {
            fair += rnd.nextBoolean() ? 1 : -1;
        }
        double r = rnd.nextDouble();
        long orders = model.orderCount();
        if (r < P_WIPE && orders > 0) {
            wipe(s);
        } else if (r < P_WIPE + P_EXECUTE && orders > 0) {
            execute(s);
        } else if (rnd.nextDouble() * (orders + balance) < orders) {
            cancel(s);
        } else {
            add(s);
        }
    }

    private void add(EventStream s) {
        int side = rnd.nextInt(2);
        // Most orders close to the fair price, a few far out: 1 + an exponential with mean 6 ticks.
        long offset = 1 + Math.min(200, (long) (-Math.log(1 - rnd.nextDouble()) * 6));
        long price = side == OrderBook.BUY ? fair - offset : fair + offset;
        // A limit order rests: it never crosses the other side (that would be an execution).
        if (side == OrderBook.BUY && model.hasSide(OrderBook.SELL)) {
            price = Math.min(price, model.best(OrderBook.SELL) - 1);
        } else if (side == OrderBook.SELL && model.hasSide(OrderBook.BUY)) {
            price = Math.max(price, model.best(OrderBook.BUY) + 1);
        }
        long qty = 100 * (1 + rnd.nextInt(10));
        long id = nextId++;
        s.add(EventStream.ADD, side, price, qty, id);
        if (liveCount == live.length) {
            live = Arrays.copyOf(live, liveCount * 2);
        }
        live[liveCount++] = id;
    }

    private void cancel(EventStream s) {
        long id = drawLive();
        if (id == 0) {
            add(s);
            return;
        }
        s.add(EventStream.CANCEL, 0, 0, 0, id);
    }

    private void execute(EventStream s) {
        // Aggressors mostly push the book towards the fair price, as arbitrage would.
        boolean haveBoth = model.hasSide(OrderBook.BUY) && model.hasSide(OrderBook.SELL);
        int side;
        if (haveBoth && rnd.nextDouble() < 0.7) {
            long mid2 = model.best(OrderBook.BUY) + model.best(OrderBook.SELL);
            side = 2 * fair > mid2 ? OrderBook.BUY : 2 * fair < mid2 ? OrderBook.SELL : rnd.nextInt(2);
        } else {
            side = rnd.nextInt(2);
        }
        int other = 1 - side;
        if (!model.hasSide(other)) {
            add(s);
            return;
        }
        long reach = rnd.nextInt(4); // ticks through the book beyond the best price
        long limit = side == OrderBook.BUY ? model.best(other) + reach : model.best(other) - reach;
        long qty = 100 * (1 + rnd.nextInt(30));
        s.add(EventStream.EXECUTE, side, limit, qty, 0);
    }

    private void wipe(EventStream s) {
        long id = drawLive(); // the level of a random live order: big levels go more often
        if (id == 0) {
            add(s);
            return;
        }
        s.add(EventStream.WIPE, (int) model.orderSide(id), model.orderPrice(id), 0, 0);
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
