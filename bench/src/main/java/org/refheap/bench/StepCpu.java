// Run (from the project root, after `make build && (cd bench && ../mvnw -B -q package -DskipTests)`):
//   java --enable-native-access=ALL-UNNAMED -Xmx2g -cp bench/target/benchmarks.jar org.refheap.bench.StepCpu 5000000 30
package org.refheap.bench;

import org.refheap.Heap;
import org.refheap.HeapConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The pause-bounded collector's steps timed in <em>thread CPU time</em>, from the first step on: a
 * heap of {@code size} one-item lists (as {@link IncrementalBenchmark}), then {@code collectStep(100
 * us)} in a loop for {@code seconds}, each step's CPU recorded. JMH's sample mode counts wall time
 * (a step descheduled looks long) and warms up first (the first cycle, which grows the collector's
 * arrays, falls in its warm-up); this shows the first cycle's steps, and every step over 1 ms with
 * the cycle it belonged to.
 */
public final class StepCpu {
    private StepCpu() {
    }

    public static void main(String[] args) {
        long size = args.length > 0 ? Long.parseLong(args[0]) : 5_000_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        try (Heap heap = Heap.create(HeapConfig.defaults().withMaxBytes(4L << 30))) {
            heap.gc().disable();
            long root = Shapes.listOfLists(heap, size, true);
            heap.gc().collect();
            long[] worst = new long[2]; // worst step of the first cycle, of the later ones
            long steps = 0;
            long cycles = 0;
            long over = 0;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long t0 = tm.getCurrentThreadCpuTime();
                boolean done = heap.gc().collectStep(100_000);
                long dt = tm.getCurrentThreadCpuTime() - t0;
                steps++;
                int k = cycles == 0 ? 0 : 1;
                worst[k] = Math.max(worst[k], dt);
                if (dt > 1_000_000) {
                    over++;
                    System.out.printf("step %d of cycle %d: %.2f ms of CPU%n", steps, cycles, dt / 1e6);
                }
                if (done) {
                    cycles++;
                }
            }
            System.out.printf("%d steps, %d cycles completed, %d over 1 ms; longest step %.3f ms in the first"
                    + " cycle, %.3f ms after (thread CPU, 100 us budget, %d objects)%n", steps, cycles, over,
                    worst[0] / 1e6, worst[1] / 1e6, size);
            Shapes.dispose(heap, root);
        }
    }
}
