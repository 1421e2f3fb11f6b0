package org.refheap.trace;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** CPython's {@code tracemalloc._format_size}: 3 or 4 significant digits and a binary unit. */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Sizes() {
    }

    /** {@code 512 B}, {@code 12.3 KiB}, {@code 1234 MiB}; with {@code sign} a leading + or -. */
    static String format(double size, boolean sign) {
        for (String unit : UNITS) {
            if (Math.abs(size) < 100 && !unit.equals("B")) {
                return fixed(size, 1, sign) + " " + unit;
            }
            if (Math.abs(size) < 10 * 1024 || unit.equals("TiB")) {
                return fixed(size, 0, sign) + " " + unit;
            }
            size /= 1024;
        }
        throw new AssertionError("unreachable: TiB always returns");
    }

    /**
     * Python's {@code "%.Nf"}: the exact binary value rounded half-even (Java's Formatter rounds half
     * up, so 2.5 would print 3 where Python prints 2).
     */
    private static String fixed(double v, int digits, boolean sign) {
        boolean negative = v < 0 || (v == 0 && 1 / v < 0);
        String abs = new BigDecimal(Math.abs(v)).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        return (negative ? "-" : sign ? "+" : "") + abs;
    }
}
