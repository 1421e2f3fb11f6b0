#!/bin/bash
# The quiet measurement run behind docs/PERFORMANCE.md "Issue 8: closing figures (run G)": the hot
# paths and dicts in both modes (JMH), the thread-CPU harness, CPython side by side, the small order
# book in both modes. About 13 minutes on two cores; run it from the project root on a quiet machine
# (nothing else running): bench/quiet-run.sh [OUT]   (default bench/results/run-g)
set -u
cd "$(dirname "$0")/.."
J_HOME=$(.ci/find-jdk) || exit 1
export JAVA_HOME=$J_HOME
export PATH=$JAVA_HOME/bin:$PATH
OUT=${1:-bench/results/run-g}
mkdir -p $OUT
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git rev-parse --short HEAD)" | tee $OUT/log.txt
make -s build >/dev/null 2>&1 && (cd bench && ../mvnw -B -q package -DskipTests >/dev/null 2>&1) || { echo build failed; exit 1; }
J="java --enable-native-access=ALL-UNNAMED"
HOT='allocFree_(refheap|freeList|obmalloc|jvmNew)$|incref_decref|incdec_segment|getrefcount_refheap|FieldBenchmark'
$J -jar bench/target/benchmarks.jar "$HOT" -f 2 -wi 4 -w 300ms -i 15 -r 200ms -rf json -rff $OUT/hot-checked.json > $OUT/hot-checked.txt 2>&1
echo "hot checked done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/log.txt
$J -jar bench/target/benchmarks.jar "$HOT" -f 2 -wi 4 -w 300ms -i 15 -r 200ms -jvmArgsPrepend -Drefheap.disableChecks=true -rf json -rff $OUT/hot-unchecked.json > $OUT/hot-unchecked.txt 2>&1
echo "hot unchecked done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/log.txt
$J -jar bench/target/benchmarks.jar 'allocFree_refheap$|incref_decref_refheap$|FieldBenchmark.(get|set)_refheap' -f 1 -wi 2 -w 500ms -i 3 -r 500ms -prof gc > $OUT/hot-gc.txt 2>&1
for op in allocFree freeList incdec incdecSegment setRef; do
  for k in 1 2 3; do
    echo "$op $($J -Xms1g -Xmx1g -cp bench/target/benchmarks.jar org.refheap.bench.HotPathCpu $op 2>&1 | tail -1)"
    echo "$op unchecked $($J -Drefheap.disableChecks=true -Xms1g -Xmx1g -cp bench/target/benchmarks.jar org.refheap.bench.HotPathCpu $op 2>&1 | tail -1)"
  done
done > $OUT/hotpathcpu.txt
echo "hotpathcpu done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/log.txt
$J -jar bench/target/benchmarks.jar 'DictBenchmark' -f 1 -wi 3 -w 1s -i 5 -r 1s -rf json -rff $OUT/dict-checked.json > $OUT/dict-checked.txt 2>&1
$J -jar bench/target/benchmarks.jar 'DictBenchmark.*(Get|get)' -f 1 -wi 3 -w 1s -i 5 -r 1s -jvmArgsPrepend -Drefheap.disableChecks=true -rf json -rff $OUT/dict-unchecked.json > $OUT/dict-unchecked.txt 2>&1
echo "dict done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/log.txt
make -s compare-cpython > $OUT/cpython.txt 2>&1
echo "cpython done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/log.txt
CP="target/classes:$(cat target/cp.txt)"
$J -cp $CP org.refheap.demo.book.OrderBookDemo --live 3500 --events 2000000 --contenders rh-manual,rh-latency-auto,g1,pooled --out $OUT/book-checked > $OUT/book-checked.txt 2>&1
$J -Drefheap.disableChecks=true -cp $CP org.refheap.demo.book.OrderBookDemo --live 3500 --events 2000000 --contenders rh-manual,rh-latency-auto --out $OUT/book-unchecked > $OUT/book-unchecked.txt 2>&1
echo "book done $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $OUT/log.txt
