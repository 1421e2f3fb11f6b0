# refheap: the two commands a user needs are `make demo` and `make test`.
# Everything runs on a JDK >= 22 (FFM is final there); we look for one ourselves.

SHELL := /bin/bash

# JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm.
JDK := $(shell .ci/find-jdk)
ifeq ($(JDK),)
$(error No JDK >= 22 found. Install one, e.g. `apt-get install temurin-25-jdk` (Adoptium) or `openjdk-25-jdk`, or set JAVA_HOME to a JDK >= 22)
endif
export JAVA_HOME := $(JDK)
export PATH := $(JDK)/bin:$(PATH)
# Maven's own guava calls sun.misc.Unsafe; JDK 24+ would warn about it on every run.
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow

MVN := mvn -B -q -Dstyle.color=never
JAVA_RUN := $(JDK)/bin/java --enable-native-access=ALL-UNNAMED
BENCH ?= .
BENCH_ARGS ?=

.PHONY: all build test stress demo tour leaks bench bench-quick compare-cpython clean jdk

all: build

jdk:
	@echo "Using JDK at $(JDK)"
	@$(JDK)/bin/java -version

build:
	$(MVN) -DskipTests install

test:
	@echo "Using JDK at $(JDK)"
	mvn -B -Dstyle.color=never test

# Long randomized runs, kept out of `make test`: the model tests with ten times the programs, the API
# fuzzer with a hundred times (about an hour and a half on two cores).
stress:
	mvn -B -Dstyle.color=never test -Dtest='*ModelTest,ApiFuzzTest,*Stress' -Dsurefire.failIfNoSpecifiedTests=false \
	  -Drefheap.test.argLine='-Drefheap.stress=true'

# An order book in refheap under an HFT-style load, four ways of collecting (options: DEMO_ARGS="--help").
# JFR=1 records refheap's and the JVM's events to target/demo/demo.jfr (open it in JDK Mission Control).
DEMO_JFR = $(if $(JFR),-XX:StartFlightRecording=filename=target/demo/demo.jfr$(COMMA)settings=profile,)
COMMA := ,
demo: build
	$(MVN) dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime
	mkdir -p target/demo
	$(JAVA_RUN) $(DEMO_JFR) -cp target/classes:$$(cat target/cp.txt) org.refheap.demo.book.OrderBookDemo $(DEMO_ARGS)

# A short tour: counts you can watch, objects freed at zero, cycles and the collector.
tour: build
	$(JAVA_RUN) -cp target/classes org.refheap.demo.Tour

# Leak hunting, run for real: tracemalloc's diff, objgraph's growth and whyAlive, an LRU cache against a
# dict used as a cache, finalizer cycles, a chain drawn with Graphviz (docs/LEAKS.md).
leaks: build
	$(JAVA_RUN) -cp target/classes org.refheap.demo.Leaks target/leaks

bench: build
	cd bench && $(MVN) package
	$(JAVA_RUN) -jar bench/target/benchmarks.jar $(BENCH) $(BENCH_ARGS)

# The headline figures in a few minutes: allocation and refcount against their baselines, the
# collector at one million objects, pause-bounded steps on five million.
QUICK = -f 1 -wi 2 -w 1s -i 3 -r 1s
bench-quick: build
	cd bench && $(MVN) package
	$(JAVA_RUN) -jar bench/target/benchmarks.jar \
	  'allocFree_(refheap|freeList|jvmNew|jdkArena|malloc|nettyPooled)$$|incref_decref|incdec' $(QUICK)
	$(JAVA_RUN) -jar bench/target/benchmarks.jar 'CollectBenchmark' -p size=1000000 $(QUICK)
	$(JAVA_RUN) -jar bench/target/benchmarks.jar 'IncrementalBenchmark' -f 1 -wi 1 -i 2

# CPython's collector and refheap's on the same shapes, side by side (needs python3).
compare-cpython: build
	$(JAVA_RUN) -Xmx2g -cp target/classes org.refheap.demo.CollectTiming $(SIZES) \
	  | python3 bench/cpython/gc_compare.py $(SIZES)

clean:
	$(MVN) clean
	cd bench && $(MVN) clean
