package org.refheap;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.refheap.StrCodec.WORD;

/**
 * A str key given as Java text, encoded once per dict operation ({@link #set}) into reused
 * little-endian words of its UTF-8 bytes ({@link StrCodec}'s, lone surrogates kept), its hash
 * folded in on the way: then each candidate entry is compared eight bytes per read ({@link #matches})
 * instead of re-encoding the text against the stored bytes one byte at a time. One per {@link Dicts},
 * used only by its owner thread, never across a call into user code; it allocates only when a key is
 * longer than every one before it.
 *
 * <pre>
 *  words[k]   bytes 8k .. 8k+7 of the encoding, the first lowest; the last word padded with zero bytes
 *  length     bytes of the encoding
 * </pre>
 */
final class TextKey {
    private long[] words = new long[8];
    private long length;

    /** Encodes {@code s}; returns its str hash ({@code Hashing.hashBytes(StrCodec.encode(s))}). */
    long set(CharSequence s) {
        int n = s.length();
        long need = (3L * n + 7) / 8 + 1; // a char gives at most 3 bytes, a pair 4
        if (words.length < need) {
            words = new long[(int) Math.max(need, Math.min(2L * words.length, Integer.MAX_VALUE - 8))];
        }
        long[] ws = words;
        long h = Hashing.SEED;
        int i = 0;
        int wi = 0;
        while (i + 8 <= n) {
            long w = StrCodec.asciiWord(s, i);
            if (w < 0) {
                break;
            }
            ws[wi++] = w;
            h = Hashing.step(h, w);
            i += 8;
        }
        if (n - i < 8) { // all whole words were ASCII: the 0-7 chars left, if ASCII too, are the last word
            long w = 0;
            int or = 0;
            for (int k = 0; i + k < n; k++) {
                char c = s.charAt(i + k);
                or |= c;
                w |= (long) c << (8 * k);
            }
            if (or < 0x80) {
                if (i < n) {
                    ws[wi] = w;
                    h = Hashing.step(h, w);
                }
                length = n;
                return Hashing.finish(h, n);
            }
        }
        long len = i;
        long w = 0;
        int nb = 0; // bytes in w
        for (; i < n; i++) {
            char c = s.charAt(i);
            long code; // the char's bytes, the first lowest
            int k;
            if (c < 0x80) {
                code = c;
                k = 1;
            } else if (c < 0x800) {
                code = (0xC0 | c >> 6) | (0x80 | c & 0x3F) << 8;
                k = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                code = (0xF0 | cp >> 18) | (0x80 | cp >> 12 & 0x3F) << 8 | (0x80 | cp >> 6 & 0x3F) << 16
                        | (long) (0x80 | cp & 0x3F) << 24;
                k = 4;
            } else {
                code = (0xE0 | c >> 12) | (0x80 | c >> 6 & 0x3F) << 8 | (0x80 | c & 0x3F) << 16;
                k = 3;
            }
            len += k;
            w |= code << (8 * nb); // bytes beyond the word's eighth fall off the top...
            nb += k;
            if (nb >= 8) {
                ws[wi++] = w;
                h = Hashing.step(h, w);
                nb -= 8;
                w = nb == 0 ? 0 : code >>> (8 * (k - nb)); // ...and start the next one (nb < k <= 4)
            }
        }
        if (nb > 0) {
            ws[wi] = w;
            h = Hashing.step(h, w);
        }
        length = len;
        return Hashing.finish(h, len);
    }

    /** Bytes of the text last {@link #set}. */
    long length() {
        return length;
    }

    /**
     * Writes the {@link #length} bytes of the text last {@link #set} at {@code off} of {@code seg}:
     * a new str's bytes are these, not a second encoding of the caller's text, which a
     * {@code CharSequence} may answer differently the second time (a mutable one changed meanwhile,
     * a hostile one): the bytes stored are then always the bytes hashed, and never more than the
     * block holds.
     */
    void writeTo(MemorySegment seg, long off) {
        long[] ws = words;
        int full = (int) (length >>> 3);
        for (int k = 0; k < full; k++) {
            seg.set(WORD, off + 8L * k, ws[k]);
        }
        long w = full < ws.length ? ws[full] : 0;
        for (int k = 0; k < (int) (length & 7); k++) {
            seg.set(JAVA_BYTE, off + 8L * full + k, (byte) (w >>> (8 * k)));
        }
    }

    /**
     * Whether the {@code n} bytes at {@code off} of {@code seg} are the text last {@link #set}: whole
     * words compared one read each, and the last 1-7 bytes by one more read of the 8 bytes ending at
     * the end (overlapping the word before; every read stays inside the {@code n} bytes).
     */
    boolean matches(MemorySegment seg, long off, long n) {
        if (n != length) {
            return false;
        }
        long[] ws = words;
        int full = (int) (n >>> 3);
        for (int k = 0; k < full; k++) {
            if (seg.get(WORD, off + 8L * k) != ws[k]) {
                return false;
            }
        }
        int r = (int) (n & 7);
        if (r == 0) {
            return true;
        }
        if (full > 0) {
            long last = ws[full - 1] >>> (8 * r) | ws[full] << (64 - 8 * r);
            return seg.get(WORD, off + n - 8) == last;
        }
        long w = ws[0];
        for (int k = 0; k < r; k++) {
            if (seg.get(JAVA_BYTE, off + k) != (byte) (w >>> (8 * k))) {
                return false;
            }
        }
        return true;
    }
}
