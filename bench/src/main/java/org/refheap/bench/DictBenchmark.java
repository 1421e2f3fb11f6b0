// Run (from /work/main):
//   make bench BENCH=DictBenchmark BENCH_ARGS='-f 1 -wi 3 -w 1s -i 5 -r 1s'
// or, with the jar already built:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar DictBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc
package org.refheap.bench;

import org.agrona.collections.Long2ObjectHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.HeapConfig;

import java.util.HashMap;
import java.util.concurrent.TimeUnit;

/**
 * Dict lookup, and delete + insert at a constant size (churn), on a table of {@code size} entries,
 * by int key and by str key: refheap's by-value API against {@code HashMap<Long, V>} (keys boxed
 * beforehand, so the map pays no boxing) and Agrona's {@code Long2ObjectHashMap} (primitive keys).
 * Keys are scattered 64-bit values visited in a scattered order, so every lookup misses the caches
 * as it would in a large book. {@code refheapByObject} is the old way: make an int key object, look
 * it up, drop it.
 *
 * <p>Churn: the table holds the keys of positions [i, i + size) of a cyclic sequence of 2 * size
 * keys; one op deletes position i and inserts position i + size. refheap's insert makes a heap int
 * for the new key (the dict owns it), nothing on the Java heap.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms3g", "-Xmx3g"})
public class DictBenchmark {

    /** The key at position j of the cyclic sequence: scattered, distinct for distinct j. */
    static long key(long j) {
        long h = j * 0x9E3779B97F4A7C15L;
        return (h ^ (h >>> 29)) & 0x0000_FFFF_FFFF_FFFFL;
    }

    static String strKey(long j) {
        return "order-" + key(j);
    }

    @State(Scope.Thread)
    public static class Tables {
        @Param({"1000000"})
        int size;

        Heap heap;
        Dicts dicts;
        long dict;
        long strDict;
        long value;
        HashMap<Long, Object> map;
        HashMap<String, Object> strMap;
        Long2ObjectHashMap<Object> agrona;
        final Object javaValue = new Object();
        /** Boxed and string keys of the whole cycle, made beforehand. */
        Long[] boxed;
        String[] strings;
        long[] raw;
        int mask;
        /** Lookup cursor (visits positions in a scattered order) and churn position. */
        int probe;
        long churn;
        long strChurn;

        @Setup(Level.Trial)
        public void open() {
            int cycle = 2 * size;
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(8L << 30));
            dicts = heap.dicts();
            value = heap.newStr("value");
            dict = dicts.newDict();
            strDict = dicts.newDict();
            map = new HashMap<>();
            strMap = new HashMap<>();
            agrona = new Long2ObjectHashMap<>();
            boxed = new Long[cycle];
            strings = new String[cycle];
            raw = new long[cycle];
            for (int j = 0; j < cycle; j++) {
                raw[j] = key(j);
                boxed[j] = raw[j];
                strings[j] = strKey(j);
            }
            for (int j = 0; j < size; j++) {
                dicts.putInt(dict, raw[j], value);
                dicts.putStr(strDict, strings[j], value);
                map.put(boxed[j], javaValue);
                strMap.put(strings[j], javaValue);
                agrona.put(raw[j], javaValue);
            }
            mask = Integer.highestOneBit(size) - 1;
        }

        /** The next position to look up: within the live window, scattered. */
        int nextLookup(long base) {
            probe = probe * 1_103_515_245 + 12_345;
            return (int) ((base + ((probe >>> 8) & mask)) % (2L * size));
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.decref(dict);
            heap.decref(strDict);
            heap.decref(value);
            heap.close();
        }
    }

    // ------------------------------------------------------------------ int key lookup

    @Benchmark
    public long refheapGetInt(Tables t) {
        return t.dicts.getInt(t.dict, t.raw[t.nextLookup(t.churn)]);
    }

    @Benchmark
    public long refheapGetByObject(Tables t) {
        long k = t.heap.newInt(t.raw[t.nextLookup(t.churn)]);
        long v = t.dicts.get(t.dict, k);
        t.heap.decref(k);
        return v;
    }

    @Benchmark
    public Object hashMapGet(Tables t) {
        return t.map.get(t.boxed[t.nextLookup(t.churn)]);
    }

    @Benchmark
    public Object agronaGet(Tables t) {
        return t.agrona.get(t.raw[t.nextLookup(t.churn)]);
    }

    // ------------------------------------------------------------------ int key delete + insert

    @Benchmark
    public void refheapChurnInt(Tables t) {
        int cycle = 2 * t.size;
        long i = t.churn++;
        t.dicts.removeInt(t.dict, t.raw[(int) (i % cycle)]);
        t.dicts.putInt(t.dict, t.raw[(int) ((i + t.size) % cycle)], t.value);
    }

    @Benchmark
    public void hashMapChurn(Tables t) {
        int cycle = 2 * t.size;
        long i = t.churn++;
        t.map.remove(t.boxed[(int) (i % cycle)]);
        t.map.put(t.boxed[(int) ((i + t.size) % cycle)], t.javaValue);
    }

    @Benchmark
    public void agronaChurn(Tables t) {
        int cycle = 2 * t.size;
        long i = t.churn++;
        t.agrona.remove(t.raw[(int) (i % cycle)]);
        t.agrona.put(t.raw[(int) ((i + t.size) % cycle)], t.javaValue);
    }

    // ------------------------------------------------------------------ str keys

    @Benchmark
    public long refheapGetStr(Tables t) {
        return t.dicts.getStr(t.strDict, t.strings[t.nextLookup(t.strChurn)]);
    }

    @Benchmark
    public Object hashMapGetStr(Tables t) {
        return t.strMap.get(t.strings[t.nextLookup(t.strChurn)]);
    }

    @Benchmark
    public void refheapChurnStr(Tables t) {
        int cycle = 2 * t.size;
        long i = t.strChurn++;
        t.dicts.removeStr(t.strDict, t.strings[(int) (i % cycle)]);
        t.dicts.putStr(t.strDict, t.strings[(int) ((i + t.size) % cycle)], t.value);
    }

    @Benchmark
    public void hashMapChurnStr(Tables t) {
        int cycle = 2 * t.size;
        long i = t.strChurn++;
        t.strMap.remove(t.strings[(int) (i % cycle)]);
        t.strMap.put(t.strings[(int) ((i + t.size) % cycle)], t.javaValue);
    }
}
