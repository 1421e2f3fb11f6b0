package org.refheap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The bytes of a str: UTF-8, except that a lone surrogate (a UTF-16 unit not part of a valid pair)
 * is kept as its own 3-byte sequence instead of being replaced, as Python's {@code 'surrogatepass'}
 * error handler does. {@link String#getBytes} would turn every lone surrogate into {@code '?'}, so
 * that {@code "\uD800"} and {@code "?"} became the same str and the same dict key; with this codec
 * {@code decode(encode(s)).equals(s)} for every Java String, so different strings stay different.
 *
 * <pre>
 *  UTF-16 input              bytes
 *  U+0000..U+007F            0xxxxxxx
 *  U+0080..U+07FF            110xxxxx 10xxxxxx
 *  U+0800..U+FFFF, and a     1110xxxx 10xxxxxx 10xxxxxx   (a lone surrogate U+D800..U+DFFF is
 *    lone surrogate                                         ED A0..BF xx: invalid in strict UTF-8)
 *  a high+low pair           11110xxx 10xxxxxx 10xxxxxx 10xxxxxx   (the code point, U+10000..U+10FFFF)
 * </pre>
 *
 * The encoder never writes a high surrogate's 3 bytes followed by a low one's (that pair is written
 * as 4 bytes), which is what makes the mapping one-to-one. Both directions take the JDK's intrinsic
 * UTF-8 path when they can: a string without lone surrogates encodes exactly as {@code getBytes(UTF_8)},
 * and bytes without {@code ED A0..BF} decode exactly as {@code new String(bytes, UTF_8)}.
 */
final class StrCodec {
    private StrCodec() {
    }

    /** The str bytes of {@code s}. */
    static byte[] encode(String s) {
        if (firstLoneSurrogate(s) < 0) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        return encodeSurrogatePass(s);
    }

    /** The string whose str bytes are {@code b}; malformed bytes (never written by encode) become U+FFFD. */
    static String decode(byte[] b) {
        if (!hasEncodedSurrogate(b)) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return decodeSurrogatePass(b);
    }

    /** Index of the first surrogate that is not half of a high+low pair, or -1. */
    static int firstLoneSurrogate(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Whether {@code b} holds ED followed by A0..BF: the lead of an encoded surrogate. */
    static boolean hasEncodedSurrogate(byte[] b) {
        for (int i = 0; i < b.length - 1; i++) {
            // A0..BF is 101x_xxxx: the top three bits are 101.
            if (b[i] == (byte) 0xED && (b[i + 1] & 0xE0) == 0xA0) {
                return true;
            }
        }
        return false;
    }

    private static byte[] encodeSurrogatePass(String s) {
        int n = s.length();
        int len = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                len += 1;
            } else if (c < 0x800) {
                len += 2;
            } else if (isPairAt(s, i, n)) {
                len += 4;
                i++;
            } else {
                len += 3;
            }
        }
        byte[] out = new byte[len];
        int p = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | c >> 6);
                out[p++] = (byte) (0x80 | c & 0x3F);
            } else if (isPairAt(s, i, n)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xF0 | cp >> 18);
                out[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[p++] = (byte) (0x80 | cp & 0x3F);
            } else {
                out[p++] = (byte) (0xE0 | c >> 12);
                out[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        assert p == len : "encoded " + p + " bytes of " + len;
        return out;
    }

    /**
     * The chars {@code i..i+7} of {@code s} as a little-endian word of their bytes when all eight are
     * ASCII (then they are their own UTF-8 bytes); otherwise -1 (a word of ASCII bytes is never negative).
     */
    static long asciiWord(CharSequence s, int i) {
        long w = 0;
        int or = 0;
        for (int k = 0; k < 8; k++) {
            char c = s.charAt(i + k);
            or |= c;
            w |= (long) c << (8 * k);
        }
        return or < 0x80 ? w : -1;
    }

    /** A little-endian word of bytes, as {@link Hashing} reads them. */
    static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether the {@code b.length} bytes at {@code off} of {@code seg} are {@code b}, eight per read. */
    static boolean equalsBytes(MemorySegment seg, long off, byte[] b) {
        int n = b.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            if (seg.get(WORD, off + i) != (long) BYTE_WORDS.get(b, i)) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (seg.get(JAVA_BYTE, off + i) != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static final VarHandle BYTE_WORDS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    /** Writes {@code encode(s)} at {@code off} of {@code seg} ({@link TextKey#length} bytes); allocates nothing. */
    private static boolean isPairAt(CharSequence s, int i, int n) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1));
    }

    /**
     * Strict UTF-8 but for surrogates in 3-byte form, which are taken as they are. Never more chars
     * than bytes: 1, 2 and 3 bytes give one char, 4 give two.
     */
    private static String decodeSurrogatePass(byte[] b) {
        int n = b.length;
        char[] out = new char[n];
        int p = 0;
        int i = 0;
        while (i < n) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out[p++] = (char) b0;
                i += 1;
            } else if (b0 >= 0xC2 && b0 < 0xE0 && i + 1 < n && isCont(b[i + 1])) {
                out[p++] = (char) ((b0 & 0x1F) << 6 | b[i + 1] & 0x3F);
                i += 2;
            } else if (b0 >= 0xE0 && b0 < 0xF0 && i + 2 < n && isCont(b[i + 1]) && isCont(b[i + 2])
                    && (b0 != 0xE0 || (b[i + 1] & 0xFF) >= 0xA0)) { // E0 80..9F xx would be overlong
                out[p++] = (char) ((b0 & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | b[i + 2] & 0x3F);
                i += 3;
            } else if (b0 >= 0xF0 && b0 < 0xF5 && i + 3 < n && isCont(b[i + 1]) && isCont(b[i + 2])
                    && isCont(b[i + 3])) {
                int cp = (b0 & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | b[i + 3] & 0x3F;
                if (cp < 0x10000 || cp > 0x10FFFF) {
                    out[p++] = '\uFFFD';
                    i += 1;
                    continue;
                }
                out[p++] = Character.highSurrogate(cp);
                out[p++] = Character.lowSurrogate(cp);
                i += 4;
            } else {
                out[p++] = '\uFFFD';
                i += 1;
            }
        }
        return new String(out, 0, p);
    }

    private static boolean isCont(byte x) {
        return (x & 0xC0) == 0x80;
    }
}
