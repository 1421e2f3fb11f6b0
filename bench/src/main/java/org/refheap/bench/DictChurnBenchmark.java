// Run (from /work/main), sample mode, one dict operation per sample:
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar DictChurnBenchmark -f 1 -wi 2 -w 2s -i 5 -r 2s
// Read p50..p99.99 and p1.0 (the longest operation seen) for each map and size.
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
 * The distribution of single dict operations under steady churn at a constant size (the order-id
 * index of a book: every insert of a new id comes with the delete of an old one), at 1M and 10M
 * live entries. Each sample is one operation, alternately a delete of the oldest key and an insert
 * of a new one. The old refheap dict rebuilt its whole table every few hundred thousand such
 * operations (83-150 ms at 1M); the new one rebuilds a slice per insert or delete, so its longest
 * operation should stay a few microseconds. {@code HashMap<Long, V>} (keys boxed beforehand) and
 * Agrona's {@code Long2ObjectHashMap} are the baselines; their samples include the JVM's GC pauses.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xms6g", "-Xmx6g"})
public class DictChurnBenchmark {

    @State(Scope.Thread)
    public static class Churn {
        @Param({"1000000", "10000000"})
        int size;
        /** Operations done: even ones delete position n/2, odd ones insert position n/2 + size. */
        long n;

        /** The key deleted (even i) or inserted (odd i) by operation {@code i}. */
        long keyOf(long i) {
            long pos = (i & 1) == 0 ? i >>> 1 : (i >>> 1) + size;
            return DictBenchmark.key(pos % (2L * size));
        }
    }

    @State(Scope.Thread)
    public static class RefheapTable extends Churn {
        Heap heap;
        Dicts dicts;
        long dict;

        @Setup(Level.Trial)
        public void open() {
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(16L << 30));
            dicts = heap.dicts();
            dict = dicts.newDict();
            for (long j = 0; j < size; j++) {
                dicts.putInt(dict, DictBenchmark.key(j), heap.none());
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            if (dicts.size(dict) != size - (n & 1)) {
                throw new IllegalStateException("size drifted: " + dicts.size(dict));
            }
            heap.decref(dict);
            heap.close();
        }
    }

    @State(Scope.Thread)
    public static class HashMapTable extends Churn {
        HashMap<Long, Object> map;
        Long[] boxed;
        final Object value = new Object();

        @Setup(Level.Trial)
        public void open() {
            boxed = new Long[2 * size];
            for (int j = 0; j < boxed.length; j++) {
                boxed[j] = DictBenchmark.key(j);
            }
            map = new HashMap<>();
            for (int j = 0; j < size; j++) {
                map.put(boxed[j], value);
            }
        }
    }

    @State(Scope.Thread)
    public static class AgronaTable extends Churn {
        Long2ObjectHashMap<Object> map;
        final Object value = new Object();

        @Setup(Level.Trial)
        public void open() {
            map = new Long2ObjectHashMap<>();
            for (long j = 0; j < size; j++) {
                map.put(DictBenchmark.key(j), value);
            }
        }
    }

    @Benchmark
    public boolean refheap(RefheapTable t) {
        long i = t.n++;
        if ((i & 1) == 0) {
            return t.dicts.removeInt(t.dict, t.keyOf(i));
        }
        t.dicts.putInt(t.dict, t.keyOf(i), t.heap.none());
        return true;
    }

    @Benchmark
    public Object hashMap(HashMapTable t) {
        long i = t.n++;
        long pos = ((i & 1) == 0 ? i >>> 1 : (i >>> 1) + t.size) % (2L * t.size);
        if ((i & 1) == 0) {
            return t.map.remove(t.boxed[(int) pos]);
        }
        return t.map.put(t.boxed[(int) pos], t.value);
    }

    @Benchmark
    public Object agrona(AgronaTable t) {
        long i = t.n++;
        if ((i & 1) == 0) {
            return t.map.remove(t.keyOf(i));
        }
        return t.map.put(t.keyOf(i), t.value);
    }
}
