package org.refheap.demo.book;

import java.util.Locale;

/** Short human-readable figures for the tables and the plot. */
final class Units {
    private Units() {
    }

    /** 350 ns, 1.2 us, 2.5 ms, 1 s: three significant digits at most, trailing zeros dropped. */
    static String nanos(long ns) {
        if (ns < 0) {
            return "-";
        }
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return short3(ns / 1e3) + " us";
        }
        if (ns < 1_000_000_000) {
            return short3(ns / 1e6) + " ms";
        }
        return short3(ns / 1e9) + " s";
    }

    static String bytes(long b) {
        if (b < 0) {
            return "-";
        }
        if (b < 1 << 20) {
            return short3(b / 1024.0) + " KiB";
        }
        return b < 1L << 30 ? short3(b / (double) (1 << 20)) + " MiB" : short3(b / (double) (1L << 30)) + " GiB";
    }

    /** 2.35 M, 870 k. */
    static String count(double v) {
        return v >= 1e6 ? short3(v / 1e6) + " M" : v >= 1e3 ? short3(v / 1e3) + " k" : short3(v);
    }

    static String short3(double v) {
        String s = v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }
}
