// Run (from the project root, after `mvn -B -q -o -DskipTests install && (cd bench && mvn -B -q -o package -DskipTests)`):
//   java --enable-native-access=ALL-UNNAMED -Xms4g -Xmx4g -cp bench/target/benchmarks.jar org.refheap.bench.DictLookupCpu 1000000 9
// Two builds of the library in one JVM (each side gets its own class loader, with its library first;
// the old one built with `git archive <commit> | tar -x -C /tmp/old && (cd /tmp/old && mvn -B -q -o -DskipTests package)`):
//   java ... -cp bench/target/benchmarks.jar org.refheap.bench.DictLookupCpu 1000000 9 \
//        base=/tmp/old/target/refheap-0.1.0-SNAPSHOT.jar:bench/target/benchmarks.jar new=bench/target/benchmarks.jar
// -DhugePages=true gives the heaps transparent huge pages (add -XX:+UseTransparentHugePages for the JVM's).
package org.refheap.bench;

import org.agrona.collections.Long2ObjectHashMap;
import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.HeapConfig;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongBinaryOperator;

/**
 * Dict lookups by value timed in <em>thread CPU time</em> (the time this thread was descheduled on a
 * shared, loaded machine drops out), in rounds that alternate between the maps in one JVM, so that
 * whatever load there is falls on all of them alike: refheap's {@code getInt} against
 * {@code HashMap<Long, V>.get} and Agrona's {@code Long2ObjectHashMap.get}, and refheap's
 * {@code getStr} (from a Java {@code String}) against {@code HashMap<String, V>.get}, both with the
 * very key objects stored (the JVM map then matches by identity, never calling {@code equals}) and
 * with equal copies (hash cached after the first round, contents compared), as keys parsed from
 * messages would be. Keys as in {@link DictBenchmark}: scattered 64-bit values and
 * {@code "order-" + value}, looked up in a scattered order.
 *
 * <p>Each argument {@code name=classpath} after the size and round count is a <em>side</em>: a class
 * loader over that class path (the library to measure first, then this bench's classes) holding its
 * own heap and maps. Two sides compare two builds of the library in the same minutes; with none, the
 * JVM's own class path is the one side. Also prints the Java bytes allocated per operation (should be
 * 0 on every refheap path).
 */
public final class DictLookupCpu {
    static final String[] OPS = {"refheapGetInt", "hashMapGet", "agronaGet", "refheapGetStr", "hashMapGetStr",
        "hashMapGetStrCopy"};
    static long sink;

    /** {@link DictBenchmark}'s keys: scattered, distinct for distinct j. */
    static long key(long j) {
        long h = j * 0x9E3779B97F4A7C15L;
        return (h ^ (h >>> 29)) & 0x0000_FFFF_FFFF_FFFFL;
    }

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        List<String> names = new ArrayList<>();
        List<LongBinaryOperator> sides = new ArrayList<>();
        String[] specs = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length)
                : new String[] {"this=" + System.getProperty("java.class.path")};
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            String[] parts = spec.substring(eq + 1).split(File.pathSeparator);
            URL[] urls = new URL[parts.length];
            for (int i = 0; i < parts.length; i++) {
                urls[i] = new File(parts[i]).toURI().toURL();
            }
            ClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
            Class<?> c = loader.loadClass(Side.class.getName());
            names.add(spec.substring(0, eq));
            sides.add((LongBinaryOperator) c.getConstructor(int.class).newInstance(size));
        }
        int n = Math.max(1_000_000, size);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int runs = sides.size() * OPS.length;
        for (int w = 0; w < 5; w++) {
            for (int r = 0; r < runs; r++) {
                sink += sides.get(r / OPS.length).applyAsLong(r % OPS.length, n);
            }
        }
        double[][] t = new double[runs][rounds];
        long[] bytes = new long[runs];
        for (int round = 0; round < rounds; round++) {
            for (int k = 0; k < runs; k++) {
                int r = (round & 1) == 0 ? k : runs - 1 - k; // alternate the order too
                long b0 = mx.getCurrentThreadAllocatedBytes();
                long t0 = mx.getCurrentThreadCpuTime();
                sink += sides.get(r / OPS.length).applyAsLong(r % OPS.length, n);
                t[r][round] = (double) (mx.getCurrentThreadCpuTime() - t0) / n;
                bytes[r] += mx.getCurrentThreadAllocatedBytes() - b0;
            }
        }
        System.out.printf("%d entries, %d rounds of %d lookups each, thread CPU ns/op%n", size, rounds, n);
        System.out.printf("%-6s %-18s %8s %8s %8s%n", "side", "op", "best", "median", "B/op");
        double[] med = new double[runs];
        double[] best = new double[runs];
        for (int r = 0; r < runs; r++) {
            double[] x = t[r].clone();
            Arrays.sort(x);
            best[r] = x[0];
            med[r] = x[x.length / 2];
            System.out.printf("%-6s %-18s %8.1f %8.1f %8.2f%n", names.get(r / OPS.length), OPS[r % OPS.length],
                    best[r], med[r], (double) bytes[r] / ((long) rounds * n));
        }
        System.out.println("ratios (median / best):");
        for (int s = 0; s < sides.size(); s++) {
            int o = s * OPS.length;
            System.out.printf("  %s: getInt / HashMap %.2f / %.2f, / Agrona %.2f / %.2f; getStr / HashMap(same key)"
                    + " %.2f / %.2f, / HashMap(equal copy) %.2f / %.2f%n", names.get(s),
                    med[o] / med[o + 1], best[o] / best[o + 1], med[o] / med[o + 2], best[o] / best[o + 2],
                    med[o + 3] / med[o + 4], best[o + 3] / best[o + 4], med[o + 3] / med[o + 5],
                    best[o + 3] / best[o + 5]);
        }
        System.out.println("load average " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** One build's heap and dicts, and the JVM maps beside them; {@code applyAsLong(op, n)} runs n lookups. */
    public static final class Side implements LongBinaryOperator {
        final Heap heap;
        final Dicts dicts;
        final long dict;
        final long strDict;
        final HashMap<Long, Object> map = new HashMap<>();
        final HashMap<String, Object> strMap = new HashMap<>();
        final Long2ObjectHashMap<Object> agrona = new Long2ObjectHashMap<>();
        final long[] raw;
        final Long[] boxed;
        final String[] strings;
        final String[] copies;
        /** Positions to look up, scattered; a cursor runs through them across rounds. */
        final int[] order;
        int cursor;

        public Side(int size) {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(8L << 30).withHugePages(Boolean.getBoolean("hugePages")));
            dicts = heap.dicts();
            long value = heap.newStr("value");
            dict = dicts.newDict();
            strDict = dicts.newDict();
            Object javaValue = new Object();
            raw = new long[size];
            boxed = new Long[size];
            strings = new String[size];
            copies = new String[size];
            for (int j = 0; j < size; j++) {
                raw[j] = key(j);
                boxed[j] = raw[j];
                strings[j] = "order-" + key(j);
                copies[j] = new String(strings[j].toCharArray());
                dicts.putInt(dict, raw[j], value);
                dicts.putStr(strDict, strings[j], value);
                map.put(boxed[j], javaValue);
                strMap.put(strings[j], javaValue);
                agrona.put(raw[j], javaValue);
            }
            heap.decref(value);
            order = new int[1 << 22];
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < order.length; i++) {
                order[i] = rnd.nextInt(size);
            }
        }

        @Override
        public long applyAsLong(long op, long n) {
            int[] ord = order;
            int m = ord.length - 1;
            int c = cursor;
            long s = 0;
            switch ((int) op) {
                case 0 -> {
                    for (long i = 0; i < n; i++) {
                        s += dicts.getInt(dict, raw[ord[c++ & m]]);
                    }
                }
                case 1 -> {
                    for (long i = 0; i < n; i++) {
                        s += map.get(boxed[ord[c++ & m]]) == null ? 0 : 1;
                    }
                }
                case 2 -> {
                    for (long i = 0; i < n; i++) {
                        s += agrona.get(raw[ord[c++ & m]]) == null ? 0 : 1;
                    }
                }
                case 3 -> {
                    for (long i = 0; i < n; i++) {
                        s += dicts.getStr(strDict, strings[ord[c++ & m]]);
                    }
                }
                case 4 -> {
                    for (long i = 0; i < n; i++) {
                        s += strMap.get(strings[ord[c++ & m]]) == null ? 0 : 1;
                    }
                }
                case 5 -> {
                    for (long i = 0; i < n; i++) {
                        s += strMap.get(copies[ord[c++ & m]]) == null ? 0 : 1;
                    }
                }
                default -> throw new IllegalArgumentException("op " + op);
            }
            cursor = c;
            return s;
        }
    }
}
