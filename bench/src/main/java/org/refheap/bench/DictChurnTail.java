// Run (after `cd bench && mvn -B -q package`):
//   java --enable-native-access=ALL-UNNAMED -Xmx6g -cp bench/target/benchmarks.jar org.refheap.bench.DictChurnTail 1000000 20 [cpu] [LATENCY]
// Arguments: live entries, rounds (each round runs 200k operations on each map in turn), "cpu" to
// time each operation by the thread's CPU time instead of the wall clock (anything else: wall), and
// the heap's ReleasePolicy (default FOOTPRINT).
package org.refheap.bench;

import org.agrona.collections.Long2ObjectHashMap;
import org.refheap.Dicts;
import org.refheap.Heap;
import org.refheap.HeapConfig;

import java.util.Arrays;
import java.util.HashMap;

/**
 * The tail of single operations under steady churn, without JMH, for the three maps of
 * {@link DictChurnBenchmark} interleaved in one process: the maps take turns in rounds of 200k
 * operations, so that what the machine does to the process (preemption by other programs, page
 * faults) falls on all three alike, and a difference in the tail is the map's own. Every operation
 * is timed with {@code System.nanoTime}, or with "cpu" by the thread's CPU time (kernel time
 * included, so page faults count, but time spent descheduled does not; each reading costs a system
 * call, about 0.2-1 us, which every sample carries); the counts of operations over 10 us, 100 us and
 * 1 ms, and the longest, are printed per map. A map that rebuilt its whole table at once would show one
 * operation per rebuild far above the others' longest.
 */
public final class DictChurnTail {
    private static final int ROUND = 200_000;

    private DictChurnTail() {
    }

    interface Map {
        void op(long i);
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long cycle = 2L * size;
        boolean cpu = args.length > 2 && args[2].equals("cpu");
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();

        org.refheap.alloc.ReleasePolicy policy = args.length > 3 ? org.refheap.alloc.ReleasePolicy.valueOf(args[3])
                : org.refheap.alloc.ReleasePolicy.FOOTPRINT;
        Heap heap = Heap.create(HeapConfig.defaults().withMaxBytes(16L << 30).withReleasePolicy(policy));
        Dicts dicts = heap.dicts();
        long dict = dicts.newDict();
        HashMap<Long, Object> hashMap = new HashMap<>();
        Long2ObjectHashMap<Object> agrona = new Long2ObjectHashMap<>();
        Long[] boxed = new Long[(int) cycle];
        Object value = new Object();
        for (int j = 0; j < cycle; j++) {
            boxed[j] = DictBenchmark.key(j);
        }
        for (int j = 0; j < size; j++) {
            dicts.putInt(dict, boxed[j], heap.none());
            hashMap.put(boxed[j], value);
            agrona.put(boxed[j], value);
        }
        String[] names = {"refheap", "HashMap<Long,V>", "Long2ObjectHashMap"};
        Map[] maps = {
            i -> {
                long pos = ((i & 1) == 0 ? i >>> 1 : (i >>> 1) + size) % cycle;
                if ((i & 1) == 0) {
                    dicts.removeInt(dict, boxed[(int) pos]);
                } else {
                    dicts.putInt(dict, boxed[(int) pos], heap.none());
                }
            },
            i -> {
                long pos = ((i & 1) == 0 ? i >>> 1 : (i >>> 1) + size) % cycle;
                if ((i & 1) == 0) {
                    hashMap.remove(boxed[(int) pos]);
                } else {
                    hashMap.put(boxed[(int) pos], value);
                }
            },
            i -> {
                long pos = ((i & 1) == 0 ? i >>> 1 : (i >>> 1) + size) % cycle;
                if ((i & 1) == 0) {
                    agrona.remove((long) boxed[(int) pos]);
                } else {
                    agrona.put((long) boxed[(int) pos], value);
                }
            },
        };
        long[] next = new long[3];
        long[][] samples = new long[3][rounds * ROUND];
        int warmRounds = Math.max(1, rounds / 5);
        for (int r = 0; r < rounds + warmRounds; r++) {
            for (int m = 0; m < 3; m++) {
                Map map = maps[m];
                long[] out = samples[m];
                int base = (r - warmRounds) * ROUND;
                for (int k = 0; k < ROUND; k++) {
                    long t0 = cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime();
                    map.op(next[m]++);
                    long t = (cpu ? mx.getCurrentThreadCpuTime() : System.nanoTime()) - t0;
                    if (r >= warmRounds) {
                        out[base + k] = t;
                    }
                }
            }
        }
        System.out.printf("%d live entries, %d operations per map (alternately delete the oldest, insert a new key), %s%n",
                size, (long) rounds * ROUND, (cpu ? "thread CPU time" : "wall clock") + ", refheap " + policy);
        System.out.printf("%-20s %8s %8s %8s %8s %9s %8s %8s %10s%n", "map", "p50 ns", "p99", "p99.9", "p99.99",
                ">10us", ">100us", ">1ms", "max us");
        for (int m = 0; m < 3; m++) {
            long[] s = samples[m];
            Arrays.sort(s);
            long over10 = 0;
            long over100 = 0;
            long over1000 = 0;
            for (long t : s) {
                over10 += t > 10_000 ? 1 : 0;
                over100 += t > 100_000 ? 1 : 0;
                over1000 += t > 1_000_000 ? 1 : 0;
            }
            System.out.printf("%-20s %8d %8d %8d %8d %9d %8d %8d %10.1f%n", names[m], s[s.length / 2],
                    s[(int) (s.length * 0.99)], s[(int) (s.length * 0.999)], s[(int) (s.length * 0.9999)], over10, over100,
                    over1000, s[s.length - 1] / 1e3);
        }
        if (dicts.size(dict) != hashMap.size() || agrona.size() != hashMap.size()) {
            throw new IllegalStateException("sizes differ: " + dicts.size(dict) + " " + hashMap.size() + " " + agrona.size());
        }
        heap.decref(dict);
        heap.close();
    }
}
