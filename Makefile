# refheap: the two commands a user needs are `make demo` and `make test`.
# Everything runs on a JDK >= 22 (FFM is final there); we look for one ourselves. Maven comes from the
# Maven Wrapper (./mvnw, pinned in .mvn/wrapper/maven-wrapper.properties): the first run downloads it
# into ~/.m2/wrapper, so no Maven needs to be installed.

SHELL := /bin/bash

# JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm.
JDK := $(shell .ci/find-jdk)
ifeq ($(JDK),)
$(error No JDK >= 22 found. Install one, e.g. `apt-get install temurin-25-jdk` (Adoptium) or `openjdk-25-jdk`, or set JAVA_HOME to a JDK >= 22)
endif
export JAVA_HOME := $(JDK)
export PATH := $(JDK)/bin:$(PATH)
# Maven's own guava calls sun.misc.Unsafe; JDK 24+ would warn about it on every run. The option exists
# from JDK 23 on (JDK 22 would refuse to start with it).
JDK_FEATURE := $(shell $(JDK)/bin/java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $$2; exit}')
ifeq ($(shell [ "$(JDK_FEATURE)" -ge 23 ] 2>/dev/null && echo yes),yes)
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow
endif

MVNW := $(CURDIR)/mvnw -B -Dstyle.color=never
MVN := $(MVNW) -q
JAVA_RUN := $(JDK)/bin/java --enable-native-access=ALL-UNNAMED
BENCH ?= .
BENCH_ARGS ?=

.PHONY: all build install test stress demo demo-large demo-classpath tour leaks bench bench-quick compare-cpython javadoc clean jdk

all: build

jdk:
	@echo "Using JDK at $(JDK)"
	@$(JDK)/bin/java -version

# Compiles, packages the jar with its -sources and -javadoc jars (doclint on) and installs them in the
# local Maven repository (~/.m2), where other projects and bench/ find them.
build install:
	$(MVN) -DskipTests install

# Packages and installs first (the jar, its -sources and -javadoc jars: javadoc's doclint runs here),
# so that ModuleProjectTest can build a project of its own against this build's jar, then runs the
# whole suite.
test: install
	@echo "Using JDK at $(JDK)"
	$(MVNW) test

# Long randomized runs, kept out of `make test`: the model tests with ten times the programs, the API
# fuzzer with a hundred times (about an hour and a half on two cores).
stress:
	$(MVNW) test -Dtest='*ModelTest,ApiFuzzTest,*Stress' -Dsurefire.failIfNoSpecifiedTests=false \
	  -Drefheap.test.argLine='-Drefheap.stress=true'

# A venue's order books in refheap and on the JVM heap under an HFT-style load: the small book beside
# one of a million resting orders, every contender in a JVM process of its own, one at a time (about two
# minutes on two quiet cores; options: DEMO_ARGS="--help"). demo-large: five million resting orders
# (about 1 GiB of memory per process, one process at a time; long: see docs/DEMO.md).
# JFR=1 records the driver's JVM to target/demo/demo.jfr; the contenders' processes write their own logs.
DEMO_JFR = $(if $(JFR),-XX:StartFlightRecording=filename=target/demo/demo.jfr$(COMMA)settings=profile,)
COMMA := ,
DEMO_RUN = $(JAVA_RUN) $(DEMO_JFR) -cp target/classes:$$(cat target/cp.txt) org.refheap.demo.book.OrderBookDemo
demo: demo-classpath
	$(DEMO_RUN) $(DEMO_ARGS)

demo-large: demo-classpath
	$(DEMO_RUN) --live 5m $(DEMO_ARGS)

demo-classpath: build
	$(MVN) dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=runtime
	mkdir -p target/demo

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

# The API documentation alone: target/reports/apidocs/index.html.
javadoc:
	$(MVN) javadoc:javadoc

clean:
	$(MVN) clean
	cd bench && $(MVN) clean
