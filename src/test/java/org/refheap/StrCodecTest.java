package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java String survives a trip through a str, lone surrogates included (encoded as Python's
 * {@code 'surrogatepass'} does), so two different Java strings are never the same str or the same key.
 */
class StrCodecTest {
    private Heap heap;

    @BeforeEach
    void open() {
        heap = Heap.create();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    private String roundTrip(String s) {
        long o = heap.newStr(s);
        try {
            return heap.strValue(o);
        } finally {
            heap.decref(o);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void shouldRoundTripEveryBmpCharAloneAndInRuns() {
        StringBuilder all = new StringBuilder();
        for (int c = 0; c <= 0xFFFF; c++) {
            String s = String.valueOf((char) c);
            assertEquals(s, roundTrip(s), "U+" + Integer.toHexString(c));
            assertEquals("a" + s + "b", roundTrip("a" + s + "b"));
            all.append((char) c);
        }
        String forward = all.toString();
        assertEquals(forward, roundTrip(forward));
        String backward = all.reverse().toString(); // every low surrogate before a high one
        assertEquals(backward, roundTrip(backward));
        assertEquals(0, heap.liveObjects());
    }

    /** One char of a random kind: ASCII, 2-byte, 3-byte, a pair, a lone or a reversed pair. */
    private static void appendRandom(SplittableRandom rnd, StringBuilder sb) {
        switch (rnd.nextInt(7)) {
            case 0 -> sb.append((char) rnd.nextInt(0x80));
            case 1 -> sb.append((char) rnd.nextInt(0x80, 0x800));
            case 2 -> sb.append((char) rnd.nextInt(0x800, 0xD800));
            case 3 -> sb.appendCodePoint(rnd.nextInt(0x10000, 0x110000));
            case 4 -> sb.append((char) rnd.nextInt(0xD800, 0xDC00)); // a high, maybe made a pair by what follows
            case 5 -> sb.append((char) rnd.nextInt(0xDC00, 0xE000));
            default -> sb.append((char) rnd.nextInt(0xDC00, 0xE000)).append((char) rnd.nextInt(0xD800, 0xDC00));
        }
    }

    @Test
    void shouldRoundTripRandomStringsWithLoneAndReversedSurrogates() {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(12);
            for (int j = 0; j < n; j++) {
                appendRandom(rnd, sb);
            }
            String s = sb.toString();
            byte[] enc = StrCodec.encode(s);
            assertEquals(s, StrCodec.decode(enc), () -> "seed " + seed + ": " + hex(enc));
            assertEquals(s, roundTrip(s), () -> "seed " + seed + ": " + hex(enc));
        }
    }

    @Test
    void shouldEncodeWellFormedStringsExactlyAsTheJdkDoes() {
        for (String s : new String[] {"", "price", "café", "€100", "日本語", "\uD83D\uDE00 grin", "a\uDBFF\uDFFFz"}) {
            assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), StrCodec.encode(s), s);
        }
    }

    @Test
    void shouldEncodeLoneSurrogatesAsPythonsSurrogatepass() {
        // '\ud800'.encode('utf-8', 'surrogatepass') == b'\xed\xa0\x80', and so on.
        assertEquals("eda080", hex(StrCodec.encode("\uD800")));
        assertEquals("edafbf", hex(StrCodec.encode("\uDBFF")));
        assertEquals("edb080", hex(StrCodec.encode("\uDC00")));
        assertEquals("edbfbf", hex(StrCodec.encode("\uDFFF")));
        assertEquals("61eda0bd", hex(StrCodec.encode("a\uD83D")));
        assertEquals("edb880eda0bd", hex(StrCodec.encode("\uDE00\uD83D")));
        assertEquals("f09f9880", hex(StrCodec.encode("\uD83D\uDE00")));
        assertEquals("eda0bdf09f988021", hex(StrCodec.encode("\uD83D\uD83D\uDE00!")));
    }

    @Test
    void shouldDecodeMalformedBytesToReplacementCharsWithoutThrowing() {
        byte[][] bad = {{(byte) 0xED, (byte) 0xA0}, {(byte) 0xED, (byte) 0xA0, 0x41}, {(byte) 0xFF, (byte) 0xED,
                (byte) 0xB0, (byte) 0x80}, {(byte) 0xF0, (byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        for (byte[] b : bad) {
            String s = StrCodec.decode(b);
            assertEquals(-1, s.indexOf('?'), hex(b) + " -> " + s);
        }
        assertEquals("\uFFFD\uDC00", StrCodec.decode(new byte[] {(byte) 0xFF, (byte) 0xED, (byte) 0xB0, (byte) 0x80}));
    }

    @Test
    void shouldKeepLoneSurrogatesAndQuestionMarksApartAsKeys() {
        long d = heap.newDict();
        String[] distinct = {"?", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800", "\uFFFD", "??"};
        long[] keys = new long[distinct.length];
        for (int i = 0; i < distinct.length; i++) {
            keys[i] = heap.newStr(distinct[i]);
            long v = heap.newInt(1_000 + i);
            heap.dicts().put(d, keys[i], v);
            heap.decref(v);
        }
        assertEquals(distinct.length, heap.dicts().size(d), "every distinct Java string is its own key");
        for (int i = 0; i < distinct.length; i++) {
            long again = heap.newStr(distinct[i]);
            assertNotEquals(keys[i], again);
            assertEquals(1_000 + i, heap.intValue(heap.dicts().get(d, again)), distinct[i]);
            heap.decref(again);
            heap.decref(keys[i]);
        }
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }

    /** A random string of {@code n} units: all ASCII, or of every kind {@link #appendRandom} makes. */
    private static String randomString(SplittableRandom rnd, int n, boolean ascii) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) {
            if (ascii) {
                sb.append((char) rnd.nextInt(0x80));
            } else {
                appendRandom(rnd, sb);
            }
        }
        return sb.toString();
    }

    @Test
    void shouldHashTextAsItsEncodedBytesAtEveryLengthAndMix() {
        TextKey key = new TextKey();
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < 20_000; i++) {
            int n = rnd.nextInt(41);
            String s = randomString(rnd, n, rnd.nextBoolean());
            if (rnd.nextInt(4) == 0 && n > 0) { // ASCII runs broken by one wide char at a random place
                int at = rnd.nextInt(n);
                s = s.substring(0, at) + "\u00e9\u20ac\uD83D\uDE00".charAt(rnd.nextInt(3)) + s.substring(at);
            }
            byte[] enc = StrCodec.encode(s);
            assertEquals(Hashing.hashBytes(enc), key.set(s), "seed " + seed + ": " + hex(enc));
            assertEquals(enc.length, key.length(), "seed " + seed + ": " + hex(enc));
            assertEquals(Hashing.hashBytes(enc), key.set(new StringBuilder(s)), "seed " + seed);
        }
        long str = heap.newStr("order-42");
        long d = heap.newDict();
        heap.dicts().put(d, str, str);
        assertEquals(str, heap.dicts().getStr(d, "order-42"), "a str made from bytes and text agree");
        assertEquals(str, heap.dicts().getStr(d, "order-42".getBytes(StandardCharsets.UTF_8)));
        heap.decref(d);
        heap.decref(str);
    }

    @Test
    void shouldCompareTextWithStoredBytesAWordPerRead() {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        TextKey key = new TextKey();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(512, 16);
            for (int i = 0; i < 20_000; i++) {
                String s = randomString(rnd, rnd.nextInt(41), rnd.nextBoolean());
                byte[] enc = StrCodec.encode(s);
                long off = 16 * rnd.nextInt(8);
                seg.fill((byte) rnd.nextInt());
                MemorySegment.copy(enc, 0, seg, JAVA_BYTE, off, enc.length);
                String why = "seed " + seed + ": " + hex(enc);
                key.set(s);
                assertTrue(key.matches(seg, off, enc.length), why);
                assertTrue(StrCodec.equalsBytes(seg, off, enc), why);
                if (enc.length > 0) {
                    int at = rnd.nextInt(enc.length);
                    byte[] bad = enc.clone();
                    bad[at] ^= (byte) (1 << rnd.nextInt(8));
                    MemorySegment.copy(bad, 0, seg, JAVA_BYTE, off, bad.length);
                    assertFalse(key.matches(seg, off, bad.length), why + " flipped at " + at);
                    assertFalse(StrCodec.equalsBytes(seg, off, enc), why + " flipped at " + at);
                    MemorySegment.copy(enc, 0, seg, JAVA_BYTE, off, enc.length);
                    assertFalse(key.matches(seg, off, enc.length - 1), why + " one byte short");
                }
                assertFalse(key.matches(seg, off, enc.length + 1), why + " one byte long");
            }
        }
    }

    @Test
    void shouldFindStrKeysMadeFromBytesByTextOfEveryLengthAndMix() {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        Dicts dicts = heap.dicts();
        long d = heap.newDict();
        Set<String> stored = new HashSet<>();
        for (int i = 0; i < 3_000; i++) {
            int n = i == 0 ? 10_000 : rnd.nextInt(41); // one key longer than the reused words
            String s = randomString(rnd, n, rnd.nextBoolean());
            if (stored.add(s)) {
                long k = heap.newStr(s);
                dicts.put(d, k, k);
                heap.decref(k);
            }
        }
        for (String s : stored) {
            long k = dicts.getStr(d, s);
            assertNotEquals(0, k, () -> "seed " + seed + ": " + hex(StrCodec.encode(s)));
            assertEquals(s, heap.strValue(k), "seed " + seed);
            String other = s + "x";
            if (!stored.contains(other)) {
                assertEquals(0, dicts.getStr(d, other), "seed " + seed);
            }
            if (!s.isEmpty()) {
                String cut = s.substring(0, s.length() - 1);
                if (!stored.contains(cut)) {
                    assertFalse(dicts.containsStr(d, cut), "seed " + seed);
                }
            }
        }
        heap.decref(d);
        assertEquals(0, heap.liveObjects());
    }

    /**
     * The str hash spreads realistic keys: no 64-bit collision among 200k keys of a family, and the
     * index's home slots (the upper half, masked) and the low bits fill buckets as random ones would
     * (for 3/4 of a key per bucket, e^-0.75 = 47.2% stay empty). A body that only adds or xors the
     * words fails on the word pairs, however good the finaliser.
     */
    @Test
    void shouldSpreadRealisticKeysLikeRandomOnes() {
        int n = 196_608;
        int buckets = 1 << 18;
        Map<String, IntFunction<String>> families = new java.util.LinkedHashMap<>();
        families.put("order-N", i -> "order-" + i);
        families.put("N", Integer::toString);
        families.put("zero-padded", i -> String.format("%016d", i));
        families.put("user:N:session:M", i -> "user:" + (i >> 6) + ":session:" + (i & 63));
        families.put("long prefix", i -> "com.example.trading.instruments.equity." + i);
        families.put("cyrillic", i -> "\u043a\u043b\u044e\u0447-" + i);
        families.put("one char apart", i -> "abcdefgh" + (char) ('a' + i % 26) + (char) ('a' + i / 26 % 26)
                + (char) ('a' + i / 676 % 26) + (char) ('a' + i / 17576 % 26));
        // Pairs of 8-byte words in both orders: a body that merely added or xored words would collide.
        families.put("word pairs", i -> String.format("%08d%08d", i % 443, i / 443));
        TextKey key = new TextKey();
        for (Map.Entry<String, IntFunction<String>> f : families.entrySet()) {
            Set<Long> seen = new HashSet<>();
            int[] high = new int[buckets];
            int[] low = new int[buckets];
            for (int i = 0; i < n; i++) {
                long h = key.set(f.getValue().apply(i));
                assertTrue(seen.add(h), f.getKey() + ": a 64-bit collision at " + i);
                high[(int) (h >>> 32) & (buckets - 1)]++;
                low[(int) h & (buckets - 1)]++;
            }
            for (int[] b : new int[][] {high, low}) {
                int empty = 0;
                int max = 0;
                for (int c : b) {
                    empty += c == 0 ? 1 : 0;
                    max = Math.max(max, c);
                }
                double frac = (double) empty / buckets;
                assertTrue(Math.abs(frac - Math.exp(-0.75)) < 0.01, f.getKey() + ": " + frac + " of buckets empty");
                assertTrue(max <= 12, f.getKey() + ": a bucket of " + max);
            }
        }
    }
}
