package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
}
