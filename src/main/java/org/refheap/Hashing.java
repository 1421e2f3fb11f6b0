package org.refheap;

/**
 * Hashes of keys, computed from their values so that equal keys in different objects agree.
 * Not CPython's SipHash: dict keys here come from the program, not from an attacker.
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

    /** FNV-1a over the bytes, then mixed. */
    static long hashBytes(byte[] data) {
        long h = 0xcbf29ce484222325L;
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h ^ data.length);
    }

    static long combine(long acc, long h) {
        return mix(acc * 31 + h);
    }
}
