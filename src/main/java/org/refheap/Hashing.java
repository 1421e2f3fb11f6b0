package org.refheap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Hashes of keys, computed from their values so that equal keys in different objects agree.
 * Not CPython's SipHash: dict keys here come from the program, not from an attacker.
 *
 * <h2>Bytes (str and bytes keys)</h2>
 * The bytes are read eight at a time as little-endian words (the last word padded with zero bytes)
 * and folded into the state with MurmurHash3's body step, then the length and Murmur3's 64-bit
 * finaliser: one multiply and two rotations on the dependency chain per eight bytes, where FNV-1a
 * (the hash before issue 8) chained one multiply per byte. The same hash must come out however the
 * bytes are walked: {@link #hashBytes} from an array, {@link TextKey#set} from Java text encoded on
 * the fly; str objects and dict entries store it.
 */
final class Hashing {
    private Hashing() {
    }

    /** Murmur3's 64-bit finaliser: every input bit affects every output bit. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The state before the first word of a byte hash. */
    static final long SEED = 0x9E3779B97F4A7C15L;
    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Folds the next eight bytes {@code w} (little-endian; a last, shorter word padded with zero
     * bytes) into the state {@code h}: Murmur3's block step widened to 64 bits. The word is scrambled
     * off the chain; on it are an xor, a rotation and a multiply-add.
     */
    static long step(long h, long w) {
        w *= C1;
        w = Long.rotateLeft(w, 31);
        w *= C2;
        h ^= w;
        h = Long.rotateLeft(h, 27);
        return h * 5 + 0x52dce729L;
    }

    /** The hash from the state after the last word and the number of bytes. */
    static long finish(long h, long len) {
        return mix(h ^ len);
    }

    /** The hash of {@code data} (a str's UTF-8 bytes or a bytes object's). */
    static long hashBytes(byte[] data) {
        int n = data.length;
        long h = SEED;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            h = step(h, (long) WORDS.get(data, i));
        }
        if (i < n) {
            long w = 0;
            for (int k = 0; i + k < n; k++) {
                w |= (data[i + k] & 0xffL) << (8 * k);
            }
            h = step(h, w);
        }
        return finish(h, n);
    }

    static long combine(long acc, long h) {
        return mix(acc * 31 + h);
    }
}
