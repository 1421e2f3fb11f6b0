// Run (from the project root, after `mvn -B -q -o -DskipTests install && (cd bench && mvn -B -q -o package -DskipTests)`):
//   java --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar LruCacheBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s
package org.refheap.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.cache.LruCache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * refheap's {@link LruCache} (1024 entries) against a plain refheap dict and a JVM-heap
 * {@code LinkedHashMap} in access order with {@code removeEldestEntry}, the usual Java LRU:
 * {@code getHit_*} looks up a present key; {@code missInsertEvict_*} stores a key that is absent
 * (a ring of 2048 keys over 1024 entries), dropping the oldest entry (the dict drops the key stored
 * 1024 operations earlier, a FIFO bound, as a hand-made bounded dict would).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
public class LruCacheBenchmark {
    static final int SIZE = 1024;

    @State(Scope.Thread)
    public static class S {
        Heap heap;
        Dicts dicts;
        LruCache lru;
        long dict;
        long value;
        final long[] keys = new long[2 * SIZE];
        final Long[] boxed = new Long[2 * SIZE];
        Map<Long, Long> lhm;
        int i;

        @Setup(Level.Trial)
        public void setUp() {
            heap = Heap.create();
            dicts = heap.dicts();
            lru = LruCache.create(heap, SIZE);
            dict = heap.newDict();
            value = heap.newStr("value");
            lhm = new LinkedHashMap<>(2 * SIZE, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, Long> e) {
                    return size() > SIZE;
                }
            };
            for (int k = 0; k < keys.length; k++) {
                keys[k] = heap.newInt(100_000 + k);
                boxed[k] = 100_000L + k;
            }
            for (int k = 0; k < SIZE; k++) {
                lru.put(keys[k], value);
                dicts.put(dict, keys[k], value);
                lhm.put(boxed[k], 1L);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            heap.close();
        }
    }

    @Benchmark
    public long getHit_lru(S s) {
        long v = s.lru.get(s.keys[s.i++ & (SIZE - 1)]);
        s.heap.decref(v);
        return v;
    }

    @Benchmark
    public long getHit_dict(S s) {
        return s.dicts.get(s.dict, s.keys[s.i++ & (SIZE - 1)]);
    }

    @Benchmark
    public Long getHit_linkedHashMap(S s) {
        return s.lhm.get(s.boxed[s.i++ & (SIZE - 1)]);
    }

    /** Keys SIZE.. first: each put is absent (it was evicted SIZE puts ago) and evicts one. */
    @Benchmark
    public int missInsertEvict_lru(S s) {
        int k = (SIZE + s.i++) & (2 * SIZE - 1);
        s.lru.put(s.keys[k], s.value);
        return k;
    }

    @Benchmark
    public int missInsertEvict_dict(S s) {
        int k = (SIZE + s.i++) & (2 * SIZE - 1);
        s.dicts.put(s.dict, s.keys[k], s.value);
        s.dicts.remove(s.dict, s.keys[(k + SIZE) & (2 * SIZE - 1)]);
        return k;
    }

    @Benchmark
    public int missInsertEvict_linkedHashMap(S s) {
        int k = (SIZE + s.i++) & (2 * SIZE - 1);
        s.lhm.put(s.boxed[k], 1L);
        return k;
    }
}
