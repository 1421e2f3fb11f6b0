package org.refheap.demo.book;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A recorded market-data stream, one event per index, kept as parallel primitive arrays: every
 * contender replays exactly the same events, and replaying allocates nothing on the JVM heap, so the
 * stream itself never disturbs a measurement.
 *
 * <p>The first {@link #loadEvents()} events are the start of day: adds that fill the book to its
 * size, replayed before the clock starts. The rest is the measured stream.
 *
 * <p>Contenders run in their own processes and read the stream from a file written once
 * ({@link #write}, {@link #read}): little-endian, a header then the arrays whole.
 *
 * <pre>
 *  offset size field
 *       0    8 MAGIC ("RHBOOK02")
 *       8    4 instruments
 *      12    4 loadEvents
 *      16    4 size (events)
 *      20    4 reserved (0)
 *      24    8 checksum of the book the stream leaves (the generator's model)
 *      32    8 orders in that book
 *      40    8 levels in that book
 *      48    . kind[size] (1 byte), side[size] (1), instrument[size] (2), price[size] (4), qty[size] (4), id[size] (4)
 * </pre>
 */
public final class EventStream {
    /** A new limit order rests in the book: instrument, id, side, price, qty. */
    public static final byte ADD = 0;
    /** A live order leaves the book: id. */
    public static final byte CANCEL = 1;
    /** An aggressive order of {@code side} takes up to qty, best price first, while price is within its limit. */
    public static final byte EXECUTE = 2;
    /** A whole price level goes at once (a market maker pulls its quotes): instrument, side, price. */
    public static final byte WIPE = 3;
    static final String[] KIND_NAMES = {"add", "cancel", "execute", "wipe"};
    static final long MAGIC = 0x3230_4B4F_4F42_4852L; // "RHBOOK02" read little-endian
    private static final int HEADER = 48;

    private byte[] kind;
    private byte[] side;
    private short[] instrument;
    // ints, not longs: prices stay near 100,000 ticks, quantities small, ids below the event count;
    // 16 bytes an event keeps a stream of tens of millions affordable.
    private int[] price;
    private int[] qty;
    private int[] id;
    private int size;
    private final int instruments;
    private int loadEvents;

    EventStream(int capacity, int instruments) {
        if (instruments < 1 || instruments > Short.MAX_VALUE) {
            throw new IllegalArgumentException("instruments must be 1.." + Short.MAX_VALUE + ": " + instruments);
        }
        this.instruments = instruments;
        kind = new byte[capacity];
        side = new byte[capacity];
        instrument = new short[capacity];
        price = new int[capacity];
        qty = new int[capacity];
        id = new int[capacity];
    }

    void add(byte k, int instr, int s, long p, long q, long i) {
        if (size == kind.length) {
            int n = Math.max(16, size * 2);
            kind = Arrays.copyOf(kind, n);
            side = Arrays.copyOf(side, n);
            instrument = Arrays.copyOf(instrument, n);
            price = Arrays.copyOf(price, n);
            qty = Arrays.copyOf(qty, n);
            id = Arrays.copyOf(id, n);
        }
        kind[size] = k;
        side[size] = (byte) s;
        instrument[size] = (short) instr;
        price[size] = Math.toIntExact(p);
        qty[size] = Math.toIntExact(q);
        id[size] = Math.toIntExact(i);
        size++;
    }

    /** Marks every event so far as the start-of-day load. */
    void endLoad() {
        loadEvents = size;
    }

    public int size() {
        return size;
    }

    /** Events before the measured stream: the load that fills the book. */
    public int loadEvents() {
        return loadEvents;
    }

    public int instruments() {
        return instruments;
    }

    public byte kind(int i) {
        return kind[i];
    }

    public int instrument(int i) {
        return instrument[i];
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

    /** How many measured events (the load left out) of each kind, for the header. */
    public long[] countByKind() {
        long[] c = new long[KIND_NAMES.length];
        for (int i = loadEvents; i < size; i++) {
            c[kind[i]]++;
        }
        return c;
    }

    /** Writes the stream and the book it must leave to {@code file}. */
    public static void write(Path file, MarketGenerator.Generated g) throws IOException {
        EventStream s = g.stream();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putLong(MAGIC).putInt(s.instruments).putInt(s.loadEvents).putInt(s.size).putInt(0)
                    .putLong(g.checksum()).putLong(g.orders()).putLong(g.levels()).flip();
            writeFully(ch, h);
            ByteBuffer b = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < s.size; i += b.capacity()) {
                writeFully(ch, b.clear().put(s.kind, i, Math.min(b.capacity(), s.size - i)).flip());
            }
            for (int i = 0; i < s.size; i += b.capacity()) {
                writeFully(ch, b.clear().put(s.side, i, Math.min(b.capacity(), s.size - i)).flip());
            }
            for (int i = 0; i < s.size; i += b.capacity() / 2) {
                int n = Math.min(b.capacity() / 2, s.size - i);
                b.clear().asShortBuffer().put(s.instrument, i, n);
                writeFully(ch, b.limit(2 * n));
            }
            for (int[] a : new int[][] {s.price, s.qty, s.id}) {
                for (int i = 0; i < s.size; i += b.capacity() / 4) {
                    int n = Math.min(b.capacity() / 4, s.size - i);
                    b.clear().asIntBuffer().put(a, i, n);
                    writeFully(ch, b.limit(4 * n));
                }
            }
        }
    }

    /** Reads what {@link #write} wrote. */
    public static MarketGenerator.Generated read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, h, file);
            h.flip();
            if (h.getLong() != MAGIC) {
                throw new IOException(file + " is not an order-book stream (bad magic)");
            }
            int instruments = h.getInt();
            int load = h.getInt();
            int size = h.getInt();
            h.getInt();
            long checksum = h.getLong();
            long orders = h.getLong();
            long levels = h.getLong();
            long expected = HEADER + (long) size * 16;
            if (Files.size(file) != expected) {
                throw new IOException(file + " holds " + Files.size(file) + " bytes, expected " + expected);
            }
            EventStream s = new EventStream(size, instruments);
            ByteBuffer b = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < size; i += b.capacity()) {
                int n = Math.min(b.capacity(), size - i);
                readFully(ch, b.clear().limit(n), file);
                b.flip().get(s.kind, i, n);
            }
            for (int i = 0; i < size; i += b.capacity()) {
                int n = Math.min(b.capacity(), size - i);
                readFully(ch, b.clear().limit(n), file);
                b.flip().get(s.side, i, n);
            }
            for (int i = 0; i < size; i += b.capacity() / 2) {
                int n = Math.min(b.capacity() / 2, size - i);
                readFully(ch, b.clear().limit(2 * n), file);
                b.flip().asShortBuffer().get(s.instrument, i, n);
            }
            for (int[] a : new int[][] {s.price, s.qty, s.id}) {
                for (int i = 0; i < size; i += b.capacity() / 4) {
                    int n = Math.min(b.capacity() / 4, size - i);
                    readFully(ch, b.clear().limit(4 * n), file);
                    b.flip().asIntBuffer().get(a, i, n);
                }
            }
            s.size = size;
            s.loadEvents = load;
            return new MarketGenerator.Generated(s, checksum, orders, levels);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException(file + " ends early");
            }
        }
    }
}
