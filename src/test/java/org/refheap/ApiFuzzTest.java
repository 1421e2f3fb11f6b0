package org.refheap;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A fuzzer of the public API: random sequences of calls with random arguments, most of them valid
 * (objects the program owns, right types, indexes in range), the rest anything a buggy program could
 * pass: stale and freed addresses, misaligned ones, addresses out of range or of another heap, wrong
 * types, bad indexes, budgets and thresholds. Calls also come from a second thread, after
 * {@code close()}, and from inside finalizers, weakref callbacks and gc callbacks (which try close,
 * verify and collect too), with random gc debug flags and pause-bounded cycles under way.
 *
 * <p>The oracles: an exception is one of the documented kinds (a {@link RefHeapException}, an
 * {@link IndexOutOfBoundsException} from an index check of Lists, Tuples or Dicts,
 * IllegalArgument, IllegalState, WrongThread), never a NullPointerException, an AssertionError or an
 * out-of-bounds access inside the heap; after it the heap verifies and its figures are unchanged; a
 * call on an address the heap itself says is not live is refused; a valid call succeeds; a call from
 * another thread is a WrongThreadException and changes nothing; after close every call is an
 * IllegalStateException; at the end, once the program drops what it owns, one collection empties the
 * heap. A watchdog fails the test if one call runs for a minute (a hang).
 *
 * <p>Replay: {@code -Drefheap.seed=<master seed>}, or one program with
 * {@code -Drefheap.programSeed=<program seed>}; {@code -Drefheap.programs=N}; {@code make stress}
 * runs a hundred times more.
 */
class ApiFuzzTest {
    static final int DEFAULT_PROGRAMS = 10000;
    static final int OPS = 300;

    @Test
    void shouldSurviveRandomCallsFromRandomPlacesWithRandomArguments() throws Exception {
        long seed = Long.getLong("refheap.seed", System.nanoTime());
        Long programSeed = Long.getLong("refheap.programSeed");
        int programs = programSeed != null ? 1
                : Integer.getInteger("refheap.programs", RefcountModelTest.STRESS ? 100 * DEFAULT_PROGRAMS : DEFAULT_PROGRAMS);
        System.out.println("ApiFuzzTest seed=" + seed + " programs=" + programs + " (replay: -Drefheap.seed=" + seed
                + ")");
        AtomicLong heartbeat = new AtomicLong(System.nanoTime());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Fuzz> current = new AtomicReference<>();
        long[] totals = new long[3];
        Thread worker = new Thread(() -> {
            ExecutorService other = Executors.newSingleThreadExecutor(r -> new Thread(r, "intruder"));
            try {
                Random master = new Random(seed);
                for (int p = 0; p < programs; p++) {
                    long ps = programSeed != null ? programSeed : master.nextLong();
                    Fuzz f = new Fuzz(ps, other, heartbeat);
                    current.set(f);
                    try {
                        f.run();
                    } catch (Throwable t) {
                        f.saveLog();
                        throw new AssertionError("program " + p + " (program seed " + ps + ", master seed " + seed
                                + ", replay: -Drefheap.programSeed=" + ps + ") failed: " + t + "\nlast calls:\n"
                                + f.tail(), t);
                    } finally {
                        f.closeForeign();
                    }
                    totals[0] += f.calls;
                    totals[1] += f.refused;
                    totals[2] += f.fromUserCode;
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                other.shutdownNow();
            }
        }, "api-fuzz");
        worker.setDaemon(true);
        worker.start();
        while (worker.isAlive()) {
            worker.join(1000);
            if (System.nanoTime() - heartbeat.get() > TimeUnit.SECONDS.toNanos(60)) {
                StringBuilder stack = new StringBuilder();
                for (StackTraceElement e : worker.getStackTrace()) {
                    stack.append("\n\tat ").append(e);
                }
                Fuzz f = current.get();
                fail("a call has not returned for 60 s (a hang); program seed " + (f == null ? "?" : f.seed)
                        + ", last calls:\n" + (f == null ? "" : f.tail()) + "\nthe fuzzing thread:" + stack);
            }
        }
        if (failure.get() != null) {
            Throwable t = failure.get();
            if (t instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError(t);
        }
        System.out.println("ApiFuzzTest: " + totals[0] + " calls, " + totals[1] + " refused, " + totals[2]
                + " made from finalizers and callbacks");
    }

    /** Thrown by user code on purpose: the heap must report it and go on. */
    static final class UserFailure extends RuntimeException {
        UserFailure() {
            super("a finalizer or callback failing on purpose", null, false, false);
        }
    }

    /** One random program. */
    static final class Fuzz {
        final long seed;
        final Random rnd;
        final ExecutorService other;
        final AtomicLong heartbeat;
        final Heap heap;
        final boolean small;
        Heap foreign;
        final StructType node;
        final StructType fin;
        final StructType plain;
        final StructType gcFin;
        final List<StructType> types = new ArrayList<>();
        final List<StructType.Field> fields = new ArrayList<>();
        /** References the program owns (a multiset of addresses). */
        final List<Long> owned = new ArrayList<>();
        final List<Ref> refs = new ArrayList<>();
        /** Every address the program has seen: live, freed, stale. */
        final List<Long> seen = new ArrayList<>();
        /** Where user code stores what it makes. */
        final long sink;
        final List<String> problems = new ArrayList<>();
        final ArrayDeque<String> recent = new ArrayDeque<>();
        final StringBuilder log = new StringBuilder();
        final PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        boolean closed;
        /** User code does nothing (the final teardown). */
        boolean quiet;
        int userDepth;
        long calls;
        long refused;
        long fromUserCode;
        int typeCounter;

        Fuzz(long seed, ExecutorService other, AtomicLong heartbeat) {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.other = other;
            this.heartbeat = heartbeat;
            small = rnd.nextInt(10) == 0;
            // The collection mode comes from a random of its own, so that the programs of a seed stay the same.
            modeRnd = new Random(~seed);
            lowLatency = modeRnd.nextInt(3) == 0;
            heap = Heap.create(HeapConfig.defaults().withMaxBytes(small ? HeapConfig.MIN_MAX_BYTES : 256L << 20)
                    .withDebug(rnd.nextInt(3) == 0)
                    .withCollectionMode(lowLatency ? CollectionMode.LOW_LATENCY : CollectionMode.GENERATIONAL));
            heap.setUnraisableHook(this::unraisable);
            heap.gc().setDebugOutput(discard);
            if (rnd.nextBoolean()) {
                heap.gc().disable();
            } else {
                heap.gc().setThreshold(1 + rnd.nextInt(50), 1 + rnd.nextInt(5), 1 + rnd.nextInt(5));
            }
            node = heap.defineStruct("Node", MemoryLayout.structLayout(JAVA_LONG.withName("v"), ADDRESS.withName("a"),
                    ADDRESS.withName("b")), StructOptions.DEFAULT.withWeakrefs());
            fin = heap.defineStruct("Fin", MemoryLayout.structLayout(ADDRESS.withName("r"), JAVA_INT.withName("i")),
                    StructOptions.DEFAULT.withWeakrefs().withFinalizer(obj -> userCode("finalizer", obj, true)));
            plain = heap.defineStruct("Plain", MemoryLayout.structLayout(JAVA_LONG.withName("l"),
                    JAVA_DOUBLE.withName("d"), JAVA_BYTE.withName("b")));
            gcFin = heap.defineStruct("GcFin", MemoryLayout.structLayout(JAVA_LONG.withName("x")),
                    StructOptions.DEFAULT.withFinalizer(obj -> userCode("finalizer", obj, false)));
            for (StructType t : List.of(node, fin, plain, gcFin)) {
                addType(t);
            }
            sink = heap.newList();
            if (rnd.nextInt(4) == 0) {
                foreign = Heap.create(HeapConfig.defaults().withMaxBytes(HeapConfig.MIN_MAX_BYTES));
                seen.add(foreign.newStr("foreign"));
                seen.add(foreign.newList());
            }
        }

        void addType(StructType t) {
            types.add(t);
            fields.addAll(t.fields().values());
        }

        void closeForeign() {
            if (foreign != null) {
                foreign.close();
            }
            if (!heap.isClosed()) {
                try {
                    heap.close();
                } catch (RuntimeException ignored) {
                    // A failed program leaves its heap as it is; the failure is reported already.
                }
            }
        }

        // ------------------------------------------------------------------ the program

        void run() {
            int ops = OPS / 2 + rnd.nextInt(OPS);
            for (int i = 0; i < ops && !closed; i++) {
                heartbeat.set(System.nanoTime());
                step();
                checkProblems();
                if (!closed && rnd.nextInt(50) == 0) {
                    call("verify (periodic)", () -> {
                        heap.verify();
                        return null;
                    }, null, true);
                }
            }
            if (closed) {
                for (int i = 0; i < 30; i++) {
                    afterClose();
                }
                return;
            }
            teardown();
        }

        void checkProblems() {
            if (!problems.isEmpty()) {
                throw new AssertionError("inside user code or the unraisable hook: " + problems);
            }
        }

        void step() {
            int r = rnd.nextInt(100);
            if (r < 22) {
                allocate();
            } else if (r < 30) {
                counts();
            } else if (r < 45) {
                listOp();
            } else if (r < 55) {
                dictOp();
            } else if (r < 59) {
                tupleOp();
            } else if (r < 66) {
                fieldOp();
            } else if (r < 72) {
                weakrefOp();
            } else if (r < 76) {
                refOp();
            } else if (r < 87) {
                gcOp();
            } else if (r < 89) {
                defineStruct();
            } else if (r < 92) {
                viewOp();
            } else if (r < 96) {
                fromOtherThread();
            } else if (r < 99) {
                readOp();
            } else if (rnd.nextInt(6) == 0) {
                log("close");
                heap.close();
                closed = true;
            } else {
                drop();
            }
        }

        // ------------------------------------------------------------------ arguments

        long ownedOr(long dflt) {
            return owned.isEmpty() ? dflt : owned.get(rnd.nextInt(owned.size()));
        }

        String kind(long obj) {
            return heap.typeOf(obj).name();
        }

        /** Type names of owned objects, refreshed whenever the program takes a reference. */
        final java.util.Map<Long, String> kinds = new java.util.HashMap<>();

        /** An owned object of the type named {@code type}, or 0. */
        long ownedOf(String type) {
            List<Long> c = new ArrayList<>();
            for (long o : owned) {
                if (kinds.get(o).equals(type)) {
                    c.add(o);
                }
            }
            return c.isEmpty() ? 0 : c.get(rnd.nextInt(c.size()));
        }

        /** Anything: mostly an owned object, else an immortal, a seen address, or a bad one. */
        long anyAddress() {
            int r = rnd.nextInt(100);
            if (r < 70 && !owned.isEmpty()) {
                return ownedOr(heap.none());
            } else if (r < 78) {
                return immortal();
            } else if (r < 88 && !seen.isEmpty()) {
                return seen.get(rnd.nextInt(seen.size()));
            }
            return badAddress();
        }

        long immortal() {
            return switch (rnd.nextInt(7)) {
                case 0 -> heap.none();
                case 1 -> heap.bool(rnd.nextBoolean());
                case 2 -> heap.newInt(rnd.nextInt(262) - 5);
                case 3 -> heap.newTuple();
                case 4 -> typeObjectOrNone(types.get(rnd.nextInt(types.size())).type().address());
                case 5 -> typeObjectOrNone(heap.type(rnd.nextBoolean() ? "int" : "list").address());
                default -> heap.gc().garbage();
            };
        }

        /**
         * Type objects only in debug heaps: stored as a tuple's first item, one makes the word pair at
         * tuple + 16 (its size, then a type's address) exactly the shape of a header, and only debug
         * mode can tell an interior address from an object there (DESIGN.md, "What each mode catches";
         * MisuseCatalogueTest checks that debug mode refuses it).
         */
        private long typeObjectOrNone(long type) {
            return heap.config().debug() ? type : heap.none();
        }

        long badAddress() {
            long some = seen.isEmpty() ? heap.base : seen.get(rnd.nextInt(seen.size()));
            return switch (rnd.nextInt(14)) {
                case 0 -> 0;
                case 1 -> 1;
                case 2 -> Long.MIN_VALUE;
                case 3 -> Long.MAX_VALUE;
                case 4 -> heap.base - 16;
                case 5 -> heap.base + 8;
                case 6 -> heap.limit - 16;
                case 7 -> heap.limit;
                case 8 -> some + 8;
                case 9 -> some + 1;
                case 10 -> some - 16;
                case 11 -> some + 16;
                case 12 -> heap.base + ((rnd.nextLong() & ((heap.limit - heap.base) - 1)) & -16L);
                default -> rnd.nextLong();
            };
        }

        long index(long size) {
            int r = rnd.nextInt(10);
            if (r < 7 && size > 0) {
                return rnd.nextLong(size);
            }
            return switch (rnd.nextInt(6)) {
                case 0 -> -1;
                case 1 -> size;
                case 2 -> size + 1;
                case 3 -> Long.MIN_VALUE;
                case 4 -> Long.MAX_VALUE;
                default -> rnd.nextInt(40) - 20;
            };
        }

        void see(long a) {
            if (seen.size() == 400) {
                seen.set(rnd.nextInt(400), a);
            } else {
                seen.add(a);
            }
        }

        /** Takes a new reference the call handed over. */
        void take(long a) {
            owned.add(a);
            kinds.put(a, kind(a));
            see(a);
        }

        boolean live(long a) {
            return heap.isLive(a);
        }

        // ------------------------------------------------------------------ calls and oracles

        interface Call {
            Object run() throws Throwable;
        }

        interface Ok {
            void accept(Object result);
        }

        void log(String s) {
            String line = (userDepth > 0 ? "  [user] " : "") + s;
            recent.addLast(line);
            if (recent.size() > 60) {
                recent.removeFirst();
            }
            if (log.length() < 4_000_000) {
                log.append(line).append('\n');
            }
        }

        String tail() {
            return String.join("\n", recent);
        }

        void saveLog() {
            try {
                java.nio.file.Path p = java.nio.file.Path.of("target", "fuzz-" + seed + ".log");
                java.nio.file.Files.writeString(p, log);
                System.out.println("the whole log of the failed program: " + p.toAbsolutePath());
            } catch (java.io.IOException | RuntimeException e) {
                System.out.println("could not save the log: " + e);
            }
        }

        /**
         * Makes one call. {@code validated}: the object arguments the call must check; if the heap
         * says one of them is not live, the call must be refused. {@code mustSucceed}: a valid call.
         * A refused call must throw a documented exception and leave the heap as it was.
         */
        Object call(String name, Call c, Ok ok, boolean mustSucceed, long... validated) {
            calls++;
            if (userDepth > 0) {
                fromUserCode++;
            }
            StringBuilder line = new StringBuilder(name);
            String dead = null;
            for (long v : validated) {
                line.append(" 0x").append(Long.toHexString(v));
                if (dead == null && !live(v)) {
                    dead = "0x" + Long.toHexString(v);
                }
            }
            log(line.toString());
            long liveBefore = heap.liveObjects();
            long bytesBefore = heap.bytesInUse();
            Object result;
            try {
                result = c.run();
            } catch (Throwable t) {
                refused++;
                log("  -> " + t.getClass().getSimpleName() + ": " + t.getMessage());
                String bad = classify(t);
                if (bad != null) {
                    throw new AssertionError(name + ": " + bad, t);
                }
                if (mustSucceed && !(t instanceof HeapExhaustedException && small)) {
                    throw new AssertionError(name + ": a valid call was refused: " + t, t);
                }
                if (userDepth == 0 && !heap.isClosed()) {
                    heap.verify();
                    if (heap.liveObjects() != liveBefore || heap.bytesInUse() != bytesBefore) {
                        throw new AssertionError(name + ": a refused call changed the heap: live objects "
                                + liveBefore + " -> " + heap.liveObjects() + ", bytes in use " + bytesBefore + " -> "
                                + heap.bytesInUse(), t);
                    }
                }
                return null;
            }
            if (dead != null) {
                throw new AssertionError(name + ": accepted " + dead + ", an address the heap says is not live");
            }
            if (ok != null) {
                ok.accept(result);
            }
            return result;
        }

        /** Null if {@code t} is an exception the API may throw; else what is wrong with it. */
        String classify(Throwable t) {
            if (t instanceof HeapCorruptedException) {
                return "the heap is corrupted: " + t.getMessage();
            }
            if (t instanceof RefcountException && t.getMessage() != null && t.getMessage().contains("too small")) {
                return "a collection found a count too small, though the program never dropped what it did not own";
            }
            StackTraceElement[] st = t.getStackTrace();
            if (st.length > 0 && (st[0].getClassName().startsWith("jdk.internal.")
                    || st[0].getClassName().startsWith("java.lang.invoke."))) {
                return "an exception from inside the FFM runtime, not a check of the heap's: " + t;
            }
            if (t instanceof RefHeapException || t instanceof IllegalArgumentException
                    || t instanceof IllegalStateException || t instanceof WrongThreadException
                    || t instanceof UserFailure) {
                return null;
            }
            if (t instanceof IndexOutOfBoundsException && !(t instanceof ArrayIndexOutOfBoundsException)
                    && !(t instanceof StringIndexOutOfBoundsException)) {
                StackTraceElement top = t.getStackTrace().length == 0 ? null : t.getStackTrace()[0];
                String where = top == null ? "" : top.getClassName();
                String m = String.valueOf(t.getMessage());
                if ((where.equals(Lists.class.getName()) || where.equals(Tuples.class.getName())
                        || where.equals(Dicts.class.getName()))
                        && (m.startsWith("index ") || m.startsWith("insert index ") || m.startsWith("pop from empty")
                        || m.startsWith("slot "))) {
                    return null;
                }
                return "an out-of-bounds access inside the heap (" + where + "): " + t;
            }
            return "an exception the API must never throw: " + t;
        }

        /** Called by the heap for what finalizers and callbacks throw. */
        void unraisable(String where, Throwable t) {
            String bad = classify(t);
            if (bad != null) {
                StringBuilder s = new StringBuilder("reported from " + where + ": " + bad);
                for (StackTraceElement e : t.getStackTrace()) {
                    s.append("\n\tat ").append(e);
                    if (s.length() > 3000) {
                        break;
                    }
                }
                problems.add(s.toString());
            }
        }

        // ------------------------------------------------------------------ operations

        void allocate() {
            int r = rnd.nextInt(14);
            boolean ms = !small;
            switch (r) {
                case 0 -> {
                    long v = rnd.nextBoolean() ? rnd.nextInt(300) - 10 : rnd.nextLong();
                    call("newInt " + v, () -> heap.newInt(v), x -> {
                        if (!heap.isImmortal((Long) x)) {
                            take((Long) x);
                        }
                    }, ms);
                }
                case 1 -> call("newFloat", () -> heap.newFloat(rnd.nextDouble()), x -> take((Long) x), ms);
                case 2 -> {
                    String s = rnd.nextInt(20) == 0 ? "x".repeat(rnd.nextInt(3000)) : "s" + rnd.nextInt(20);
                    call("newStr", () -> heap.newStr(s), x -> take((Long) x), ms);
                }
                case 3 -> {
                    byte[] b = new byte[small && rnd.nextBoolean() ? 200_000 : rnd.nextInt(rnd.nextInt(5) == 0 ? 5000 : 40)];
                    call("newBytes " + b.length, () -> heap.newBytes(b), x -> take((Long) x), ms);
                }
                case 4, 5 -> call("newList", heap::newList, x -> take((Long) x), ms);
                case 6 -> call("newDict", heap::newDict, x -> take((Long) x), ms);
                case 7 -> {
                    int n = rnd.nextInt(4);
                    long[] items = new long[n];
                    boolean valid = true;
                    for (int i = 0; i < n; i++) {
                        items[i] = rnd.nextInt(8) == 0 ? anyAddress() : ownedOr(heap.none());
                        valid &= owned.contains(items[i]) || items[i] == heap.none();
                    }
                    call("newTuple", () -> heap.newTuple(items), x -> {
                        if (!heap.isImmortal((Long) x)) {
                            take((Long) x);
                        }
                    }, ms && valid, items);
                }
                case 8, 9 -> call("Node.allocate", node::allocate, x -> take((Long) x), ms);
                case 10 -> call("Fin.allocate", fin::allocate, x -> take((Long) x), ms);
                case 11 -> call("Plain.allocate", plain::allocate, x -> take((Long) x), ms);
                case 12 -> call("GcFin.allocate", gcFin::allocate, x -> take((Long) x), ms);
                default -> {
                    StructType t = types.get(rnd.nextInt(types.size()));
                    call(t.name() + ".allocate", t::allocate, x -> take((Long) x), ms);
                }
            }
        }

        void counts() {
            switch (rnd.nextInt(5)) {
                case 0, 1 -> {
                    long x = anyAddress();
                    call("incref", () -> {
                        heap.incref(x);
                        return null;
                    }, r -> take(x), owned.contains(x), x);
                }
                case 2, 3 -> drop();
                default -> {
                    long x = anyAddress();
                    call("getrefcount", () -> heap.getrefcount(x), null, owned.contains(x), x);
                }
            }
        }

        /** Drops a reference: one the program owns, or an address the heap says is dead (must be refused). */
        void drop() {
            if (!owned.isEmpty() && rnd.nextInt(5) != 0) {
                int i = rnd.nextInt(owned.size());
                long x = owned.remove(i);
                call("decref", () -> {
                    heap.decref(x);
                    return null;
                }, null, true, x);
                return;
            }
            long x = rnd.nextBoolean() || seen.isEmpty() ? badAddress() : seen.get(rnd.nextInt(seen.size()));
            if (live(x)) {
                return; // a live object the program does not own: dropping its reference is undetectable misuse
            }
            call("decref (dead)", () -> {
                heap.decref(x);
                return null;
            }, null, false, x);
        }

        long listArg() {
            long l = rnd.nextInt(10) == 0 ? anyAddress() : ownedOf("list");
            if (l == 0 && rnd.nextInt(4) == 0) {
                l = heap.gc().garbage();
            }
            return l == 0 ? anyAddress() : l;
        }

        boolean isList(long l) {
            return live(l) && kind(l).equals("list");
        }

        long valueArg() {
            return rnd.nextInt(8) == 0 ? anyAddress() : ownedOr(heap.none());
        }

        boolean validValue(long v) {
            return owned.contains(v) || v == heap.none();
        }

        void listOp() {
            Lists lists = heap.lists();
            long l = listArg();
            boolean okList = isList(l) && (owned.contains(l) || l == heap.gc().garbage());
            long size = okList ? lists.size(l) : 0;
            switch (rnd.nextInt(11)) {
                case 0, 1 -> {
                    long v = valueArg();
                    call("append", () -> {
                        lists.append(l, v);
                        return null;
                    }, null, okList && validValue(v) && !small, l, v);
                }
                case 2 -> {
                    long v = valueArg();
                    long i = index(size + 1);
                    call("insert [" + i + "]", () -> {
                        lists.insert(l, i, v);
                        return null;
                    }, null, okList && validValue(v) && i >= 0 && i <= size && !small, l, v);
                }
                case 3 -> {
                    long v = valueArg();
                    long i = index(size);
                    call("set [" + i + "]", () -> {
                        lists.set(l, i, v);
                        return null;
                    }, null, okList && validValue(v) && i >= 0 && i < size, l, v);
                }
                case 4 -> {
                    long i = index(size);
                    call("get [" + i + "]", () -> lists.get(l, i), x -> see((Long) x), okList && i >= 0 && i < size, l);
                }
                case 5, 6 -> {
                    long i = index(size);
                    boolean last = rnd.nextBoolean();
                    call(last ? "pop" : "pop [" + i + "]", () -> last ? lists.pop(l) : lists.pop(l, i),
                            x -> take((Long) x), okList && (last ? size > 0 : i >= 0 && i < size) && !small, l);
                }
                case 7 -> {
                    long i = index(size);
                    call("delete [" + i + "]", () -> {
                        lists.delete(l, i);
                        return null;
                    }, null, okList && i >= 0 && i < size && !small, l);
                }
                case 8 -> {
                    if (rnd.nextInt(4) == 0) {
                        call("clear", () -> {
                            lists.clear(l);
                            return null;
                        }, null, okList, l);
                    }
                }
                case 9 -> {
                    long v = anyAddress();
                    call("indexOf", () -> lists.indexOf(l, v), null, okList, l);
                }
                default -> call("list size", () -> lists.size(l), null, okList, l);
            }
        }

        void dictOp() {
            Dicts dicts = heap.dicts();
            long d = rnd.nextInt(10) == 0 ? anyAddress() : ownedOf("dict");
            long dd = d == 0 ? anyAddress() : d;
            boolean okDict = owned.contains(dd) && live(dd) && kind(dd).equals("dict");
            long k = rnd.nextInt(3) == 0 ? anyAddress() : keyArg();
            boolean okKey = (owned.contains(k) || k == heap.none()) && simpleKey(k);
            switch (rnd.nextInt(11)) {
                case 9 -> { // an int key by value: no key object unless a put stores a new key
                    long iv = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(300) - 5;
                    switch (rnd.nextInt(4)) {
                        case 0 -> call("getInt " + iv, () -> dicts.getInt(dd, iv), x -> {
                            if ((Long) x != 0) {
                                see((Long) x);
                            }
                        }, okDict, dd);
                        case 1 -> call("containsInt " + iv, () -> dicts.containsInt(dd, iv), null, okDict, dd);
                        case 2 -> call("removeInt " + iv, () -> dicts.removeInt(dd, iv), null, okDict, dd);
                        default -> {
                            long v = valueArg();
                            call("putInt " + iv, () -> {
                                dicts.putInt(dd, iv, v);
                                return null;
                            }, null, okDict && validValue(v) && !small, dd, v);
                        }
                    }
                }
                case 10 -> { // a str key by its text or its UTF-8 bytes
                    String text = new String[] {"", "a", "key", "é\uD800", "日本"}[rnd.nextInt(5)];
                    byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    switch (rnd.nextInt(5)) {
                        case 0 -> call("getStr " + text, () -> dicts.getStr(dd, text), x -> {
                            if ((Long) x != 0) {
                                see((Long) x);
                            }
                        }, okDict, dd);
                        case 1 -> call("containsStr bytes", () -> dicts.containsStr(dd, utf8), null, okDict, dd);
                        case 2 -> call("removeStr " + text, () -> dicts.removeStr(dd, text), null, okDict, dd);
                        case 3 -> call("removeStr bytes", () -> dicts.removeStr(dd, utf8), null, okDict, dd);
                        default -> {
                            long v = valueArg();
                            call("putStr " + text, () -> {
                                dicts.putStr(dd, text, v);
                                return null;
                            }, null, okDict && validValue(v) && !small, dd, v);
                        }
                    }
                }
                case 0, 1, 2 -> {
                    long v = valueArg();
                    call("put", () -> {
                        dicts.put(dd, k, v);
                        return null;
                    }, null, okDict && okKey && validValue(v) && !small, dd, k, v);
                }
                case 3 -> call("dict get", () -> dicts.get(dd, k), x -> {
                    if ((Long) x != 0) {
                        see((Long) x);
                    }
                }, okDict && okKey, dd, k);
                case 4 -> call("containsKey", () -> dicts.containsKey(dd, k), null, okDict && okKey, dd, k);
                case 5 -> call("remove", () -> dicts.remove(dd, k), null, okDict && okKey, dd, k);
                case 6 -> {
                    if (rnd.nextInt(4) == 0) {
                        call("dict clear", () -> {
                            dicts.clear(dd);
                            return null;
                        }, null, okDict, dd);
                    }
                }
                case 7 -> {
                    long slot = index(16);
                    call("nextSlot " + slot, () -> dicts.nextSlot(dd, slot), null, okDict, dd);
                }
                default -> {
                    long slot = index(16);
                    boolean key = rnd.nextBoolean();
                    call((key ? "keyAt " : "valueAt ") + slot, () -> key ? dicts.keyAt(dd, slot) : dicts.valueAt(dd, slot),
                            x -> see((Long) x), false, dd);
                }
            }
        }

        long keyArg() {
            long k = ownedOr(heap.none());
            for (int i = 0; i < 3 && !simpleKey(k); i++) {
                k = ownedOr(heap.none());
            }
            return k;
        }

        /** A key hashable for sure: not a list or dict, nor a tuple (whose items may be). */
        boolean simpleKey(long k) {
            if (!live(k)) {
                return false;
            }
            String t = kind(k);
            return !t.equals("list") && !t.equals("dict") && !t.equals("tuple");
        }

        void tupleOp() {
            long t = rnd.nextInt(8) == 0 ? anyAddress() : ownedOf("tuple");
            long tt = t == 0 ? anyAddress() : t;
            boolean ok = owned.contains(tt) && kind(tt).equals("tuple");
            long size = ok ? heap.tuples().size(tt) : 0;
            if (rnd.nextBoolean()) {
                call("tuple size", () -> heap.tuples().size(tt), null, ok, tt);
            } else {
                long i = index(size);
                call("tuple get [" + i + "]", () -> heap.tuples().get(tt, i), x -> see((Long) x),
                        ok && i >= 0 && i < size, tt);
            }
        }

        void fieldOp() {
            StructType.Field f = fields.get(rnd.nextInt(fields.size()));
            long obj = rnd.nextInt(6) == 0 ? anyAddress() : ownedOr(heap.none());
            boolean okObj = owned.contains(obj) && live(obj) && f.toString().startsWith(kind(obj) + ".");
            if (f.isReference()) {
                if (rnd.nextBoolean()) {
                    long v = rnd.nextInt(4) == 0 ? 0 : valueArg();
                    call("setRef " + f, () -> {
                        f.setRef(obj, v);
                        return null;
                    }, null, okObj && (v == 0 || validValue(v)), v == 0 ? new long[] {obj} : new long[] {obj, v});
                } else {
                    call("getRef " + f, () -> f.getRef(obj), x -> {
                        if ((Long) x != 0) {
                            see((Long) x);
                        }
                    }, okObj, obj);
                }
                return;
            }
            switch (rnd.nextInt(4)) {
                case 0 -> call("getLong " + f, () -> f.getLong(obj), null, false, obj);
                case 1 -> {
                    long v = rnd.nextLong();
                    call("setLong " + f, () -> {
                        f.setLong(obj, v);
                        return null;
                    }, null, false, obj);
                }
                case 2 -> call("getDouble " + f, () -> f.getDouble(obj), null, false, obj);
                default -> {
                    double v = rnd.nextDouble();
                    call("setDouble " + f, () -> {
                        f.setDouble(obj, v);
                        return null;
                    }, null, false, obj);
                }
            }
        }

        void weakrefOp() {
            WeakRefs w = heap.weakrefs();
            switch (rnd.nextInt(6)) {
                case 0, 1 -> {
                    long target = rnd.nextInt(5) == 0 ? anyAddress() : ownedOfAny("Node", "Fin");
                    boolean cb = rnd.nextBoolean();
                    boolean ok = owned.contains(target) && !small
                            && (kinds.get(target).equals("Node") || kinds.get(target).equals("Fin"));
                    call(cb ? "weakref with callback" : "weakref", () -> cb ? w.ref(target, this::weakCallback)
                            : w.ref(target), x -> take((Long) x), ok, target);
                }
                case 2, 3 -> {
                    long wr = rnd.nextInt(5) == 0 ? anyAddress() : ownedOf("weakref");
                    boolean ok = owned.contains(wr) && kinds.get(wr).equals("weakref");
                    call("weakref get", () -> w.get(wr), x -> {
                        long got = (Long) x;
                        see(got);
                        if (got != heap.none() && rnd.nextBoolean()) {
                            // What a weakref returns is alive: the program may keep it.
                            call("incref (from weakref)", () -> {
                                heap.incref(got);
                                return null;
                            }, r -> take(got), true, got);
                        }
                    }, ok, wr);
                }
                case 4 -> {
                    long wr = anyAddress();
                    call("isAlive", () -> w.isAlive(wr), null, false, wr);
                }
                default -> {
                    long x = anyAddress();
                    call("getweakrefs", () -> w.getweakrefs(x), r -> {
                        for (long a : (long[]) r) {
                            see(a);
                        }
                    }, owned.contains(x), x);
                }
            }
        }

        long ownedOfAny(String... kinds) {
            long x = ownedOf(kinds[rnd.nextInt(kinds.length)]);
            return x == 0 ? ownedOr(heap.none()) : x;
        }

        void weakCallback(long wr) {
            userCode("weakref callback", wr, false);
        }

        void refOp() {
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    if (owned.isEmpty()) {
                        return;
                    }
                    long x = owned.remove(rnd.nextInt(owned.size()));
                    call("own", () -> heap.own(x), r -> refs.add((Ref) r), true, x);
                }
                case 1 -> {
                    long x = anyAddress();
                    call("share", () -> heap.share(x), r -> refs.add((Ref) r), owned.contains(x), x);
                }
                case 2, 3 -> {
                    if (refs.isEmpty()) {
                        return;
                    }
                    Ref r = refs.remove(rnd.nextInt(refs.size()));
                    call("Ref.close", () -> {
                        r.close();
                        r.close(); // twice: nothing
                        return null;
                    }, null, true);
                }
                case 4 -> {
                    if (refs.isEmpty()) {
                        return;
                    }
                    Ref r = refs.remove(rnd.nextInt(refs.size()));
                    call("Ref.release", r::release, x -> take((Long) x), true);
                    call("Ref.get after release", r::get, x -> {
                        throw new AssertionError("a released Ref still hands out its address");
                    }, false);
                }
                default -> {
                    if (refs.isEmpty()) {
                        return;
                    }
                    Ref r = refs.get(rnd.nextInt(refs.size()));
                    call("Ref.get", r::get, null, true);
                }
            }
        }

        /** A third of the heaps run in the low-latency mode (candidate roots); their own choices come from modeRnd. */
        final Random modeRnd;
        final boolean lowLatency;

        void gcOp() {
            Gc gc = heap.gc();
            switch (rnd.nextInt(22)) {
                case 0 -> {
                    if (lowLatency && modeRnd.nextInt(3) == 0) {
                        call("collectCandidates", () -> gc.collectCandidates(), null, true);
                        return;
                    }
                    int g = rnd.nextInt(5) == 0 ? rnd.nextInt(7) - 2 : rnd.nextInt(3);
                    call("collect " + g, () -> gc.collect(g), null, g >= 0 && g <= 2);
                }
                case 1, 2, 3 -> {
                    long w = rnd.nextInt(8) == 0 ? -rnd.nextInt(3) : 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 100);
                    call("collectStepWork " + w, () -> gc.collectStepWork(w), null, w > 0);
                }
                case 4 -> {
                    long ns = switch (rnd.nextInt(4)) {
                        case 0 -> 0;
                        case 1 -> Long.MAX_VALUE;
                        case 2 -> Long.MIN_VALUE;
                        default -> 1;
                    };
                    call("collectStep " + ns, () -> gc.collectStep(ns), null, ns > 0);
                }
                case 5 -> {
                    int g = rnd.nextInt(6) - 2;
                    call(g == -2 ? "getObjects" : "getObjects " + g, () -> g == -2 ? gc.getObjects() : gc.getObjects(g),
                            r -> {
                                long[] objs = (long[]) r;
                                for (int i = 0; i < Math.min(5, objs.length); i++) {
                                    see(objs[rnd.nextInt(objs.length)]);
                                }
                            }, g == -2 || g >= 0 && g <= 2);
                }
                case 6 -> {
                    long x = anyAddress();
                    call("getReferrers", () -> gc.getReferrers(x), r -> {
                        for (long a : (long[]) r) {
                            see(a);
                        }
                    }, owned.contains(x), x);
                }
                case 7 -> {
                    long x = anyAddress();
                    call("getReferents", () -> gc.getReferents(x), r -> {
                        for (long a : (long[]) r) {
                            see(a);
                        }
                    }, owned.contains(x), x);
                }
                case 8 -> {
                    long x = anyAddress();
                    call(rnd.nextBoolean() ? "isTracked" : "isFinalized", () -> gc.isTracked(x) | gc.isFinalized(x),
                            null, owned.contains(x), x);
                }
                case 9 -> call("freeze", () -> {
                    gc.freeze();
                    return null;
                }, null, true);
                case 10 -> call("unfreeze", () -> {
                    gc.unfreeze();
                    return null;
                }, null, true);
                case 11 -> {
                    boolean on = rnd.nextBoolean();
                    call(on ? "enable" : "disable", () -> {
                        if (on) {
                            gc.enable();
                        } else {
                            gc.disable();
                        }
                        return gc.isEnabled();
                    }, null, true);
                }
                case 12 -> {
                    int t0 = rnd.nextInt(6) == 0 ? -1 - rnd.nextInt(5) : rnd.nextInt(100);
                    int t1 = rnd.nextInt(6) == 0 ? Integer.MIN_VALUE : rnd.nextInt(10);
                    call("setThreshold " + t0 + " " + t1, () -> {
                        gc.setThreshold(t0, t1);
                        return null;
                    }, null, t0 >= 0 && t1 >= 0);
                }
                case 13 -> {
                    int[] flags = {0, Gc.DEBUG_STATS, Gc.DEBUG_COLLECTABLE, Gc.DEBUG_SAVEALL, Gc.DEBUG_LEAK,
                            Gc.DEBUG_STATS | Gc.DEBUG_SAVEALL, 8, 64, -1};
                    int fl = flags[rnd.nextInt(flags.length)];
                    call("setDebug " + fl, () -> {
                        gc.setDebug(fl);
                        return null;
                    }, null, fl >= 0 && fl != 8 && fl != 64);
                }
                case 14 -> {
                    if (rnd.nextInt(3) == 0 && gc.callbacks().size() < 3) {
                        call("gc callbacks add", () -> gc.callbacks().add(this::gcCallback), null, true);
                    } else if (!gc.callbacks().isEmpty()) {
                        call("gc callbacks remove", () -> gc.callbacks().remove(0), null, true);
                    }
                }
                case 15 -> {
                    long g = gc.garbage();
                    long n = heap.lists().size(g);
                    if (n > 0) {
                        call("pop gc.garbage", () -> heap.lists().pop(g), x -> take((Long) x), !small);
                    } else {
                        call("decref gc.garbage", () -> {
                            heap.decref(g);
                            return null;
                        }, null, true, g);
                    }
                }
                case 16 -> call("getStats", gc::getStats, null, true);
                case 17 -> call("getCount", gc::getCount, null, true);
                case 18 -> call("getIncrementalStats", gc::getIncrementalStats, null, true);
                case 19 -> call("incrementalPhase", gc::incrementalPhase, null, true);
                case 20 -> call("getFreezeCount", gc::getFreezeCount, null, true);
                default -> call("verify", () -> {
                    heap.verify();
                    return null;
                }, null, true);
            }
        }

        void gcCallback(String phase, GcCallback.GcInfo info) {
            userCode("gc callback " + phase, 0, false);
        }

        void defineStruct() {
            String name = rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? "Node" : "int") : "T" + typeCounter++;
            int shape = rnd.nextInt(8);
            StructLayout layout = switch (shape) {
                case 0 -> MemoryLayout.structLayout(JAVA_LONG.withName("x"), ADDRESS.withName("r"));
                case 1 -> MemoryLayout.structLayout(JAVA_LONG);
                case 2 -> MemoryLayout.structLayout(JAVA_INT.withName("i"), ADDRESS.withName("r").withByteAlignment(4));
                case 3 -> MemoryLayout.structLayout(JAVA_LONG.withName("x"), JAVA_LONG.withName("x"));
                case 4 -> MemoryLayout.structLayout();
                case 5 -> MemoryLayout.structLayout(MemoryLayout.paddingLayout(600), ADDRESS.withName("r"));
                case 6 -> MemoryLayout.structLayout(JAVA_BYTE.withName("b"), JAVA_INT.withByteAlignment(1).withName("i"),
                        JAVA_DOUBLE.withByteAlignment(1).withName("d")); // packed
                default -> MemoryLayout.structLayout(ADDRESS.withName("p"), ADDRESS.withName("q"), JAVA_BYTE.withName("b"));
            };
            boolean valid = !name.equals("Node") && !name.equals("int") && shape != 1 && shape != 2 && shape != 3
                    && shape != 6;
            StructOptions opts = switch (rnd.nextInt(4)) {
                case 0 -> StructOptions.DEFAULT.withWeakrefs();
                case 1 -> StructOptions.DEFAULT.withFinalizer(obj -> userCode("finalizer", obj, false));
                default -> StructOptions.DEFAULT;
            };
            call("defineStruct " + name + " " + layout, () -> heap.defineStruct(name, layout, opts),
                    r -> addType((StructType) r), valid);
        }

        void viewOp() {
            long l = listArg();
            long v = valueArg();
            switch (rnd.nextInt(4)) {
                case 0 -> call("ListView append", () -> new ListView(heap).wrap(l).append(v).size(), null, false, l, v);
                case 1 -> {
                    long i = index(4);
                    call("ListView set", () -> new ListView(heap).wrap(l).set(i, v), null, false, l, v);
                }
                case 2 -> {
                    long d = rnd.nextInt(5) == 0 ? anyAddress() : ownedOf("dict");
                    long k = keyArg();
                    // put alone: replacing a value may free the dict itself (the value it held was its own
                    // last reference), so a size() chained in the same call would be a second call on a
                    // freed object, refused after the first had changed the heap.
                    call("DictView put", () -> {
                        new DictView(heap).wrap(d).put(k, v);
                        return null;
                    }, null, false, d, k, v);
                }
                default -> {
                    long d = rnd.nextInt(5) == 0 ? anyAddress() : ownedOf("dict");
                    long k = anyAddress();
                    call("DictView remove", () -> new DictView(heap).wrap(d).remove(k), null, false, d, k);
                }
            }
        }

        void readOp() {
            long x = anyAddress();
            switch (rnd.nextInt(9)) {
                case 0 -> call("intValue", () -> heap.intValue(x), null, false, x);
                case 1 -> call("floatValue", () -> heap.floatValue(x), null, false, x);
                case 2 -> call("strValue", () -> heap.strValue(x), null, false, x);
                case 3 -> call("bytesValue", () -> heap.bytesValue(x), null, false, x);
                case 4 -> call("boolValue", () -> heap.boolValue(x), null, false, x);
                case 5 -> call("typeOf", () -> heap.typeOf(x), null, owned.contains(x), x);
                case 6 -> call("isImmortal", () -> heap.isImmortal(x), null, owned.contains(x), x);
                case 7 -> call("stats", heap::stats, null, true);
                default -> {
                    StructType t = types.get(rnd.nextInt(types.size()));
                    call("isInstance", () -> t.isInstance(x), null, true);
                }
            }
        }

        /**
         * A call from the second thread: a WrongThreadException, and nothing changes (figures, the
         * counts of what the program owns, whether the heap is open).
         */
        void fromOtherThread() {
            long x = ownedOr(heap.none());
            long l = ownedOf("list");
            Ref r = refs.isEmpty() ? null : refs.get(rnd.nextInt(refs.size()));
            int which = rnd.nextInt(14);
            Call c = switch (which) {
                case 0 -> () -> {
                    heap.incref(x);
                    return null;
                };
                case 1 -> () -> {
                    heap.decref(x);
                    return null;
                };
                case 2 -> () -> {
                    heap.lists().append(l == 0 ? x : l, x);
                    return null;
                };
                case 3 -> heap::newList;
                case 4 -> () -> heap.gc().collect();
                case 5 -> () -> heap.gc().collectStepWork(10);
                case 6 -> () -> {
                    heap.verify();
                    return null;
                };
                case 7 -> () -> {
                    heap.close();
                    return null;
                };
                case 8 -> () -> {
                    if (r != null) {
                        r.close();
                    } else {
                        heap.getrefcount(x);
                    }
                    return null;
                };
                case 9 -> () -> heap.weakrefs().ref(x);
                case 10 -> () -> {
                    heap.gc().setDebug(Gc.DEBUG_SAVEALL);
                    return null;
                };
                case 11 -> () -> heap.defineStruct("Intruder", MemoryLayout.structLayout(JAVA_LONG.withName("v")));
                case 12 -> () -> {
                    heap.lists().clear(l == 0 ? x : l);
                    return null;
                };
                default -> () -> {
                    heap.dicts().put(x, x, x);
                    return null;
                };
            };
            log("from another thread: call " + which + " on 0x" + Long.toHexString(x));
            calls++;
            long live = heap.liveObjects();
            long bytes = heap.bytesInUse();
            long[] counts = new long[Math.min(owned.size(), 20)];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = heap.getrefcount(owned.get(i));
            }
            int debugFlags = heap.gc().getDebug();
            Future<Throwable> f = other.submit(() -> {
                try {
                    c.run();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Throwable t;
            try {
                t = f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("the other thread's call did not complete", e);
            }
            if (!(t instanceof WrongThreadException)) {
                throw new AssertionError("a call from another thread (" + which + ") was not refused with a"
                        + " WrongThreadException: " + t, t);
            }
            refused++;
            if (heap.isClosed() || heap.liveObjects() != live || heap.bytesInUse() != bytes
                    || heap.gc().getDebug() != debugFlags || r != null && !r.isOpen()) {
                throw new AssertionError("a refused call from another thread changed the heap");
            }
            for (int i = 0; i < counts.length; i++) {
                if (heap.getrefcount(owned.get(i)) != counts[i]) {
                    throw new AssertionError("a refused call from another thread changed the count of 0x"
                            + Long.toHexString(owned.get(i)));
                }
            }
            heap.verify();
        }

        /** After close: every call is an IllegalStateException. */
        void afterClose() {
            long x = anyAddressClosed();
            int which = rnd.nextInt(10);
            Call c = switch (which) {
                case 0 -> () -> {
                    heap.incref(x);
                    return null;
                };
                case 1 -> () -> {
                    heap.decref(x);
                    return null;
                };
                case 2 -> heap::newList;
                case 3 -> () -> {
                    heap.lists().append(x, x);
                    return null;
                };
                case 4 -> () -> heap.gc().collect();
                case 5 -> () -> heap.weakrefs().get(x);
                case 6 -> () -> {
                    heap.verify();
                    return null;
                };
                case 7 -> node::allocate;
                case 8 -> () -> node.field("v").getLong(x);
                default -> () -> {
                    if (refs.isEmpty()) {
                        heap.getrefcount(x);
                    } else {
                        refs.get(0).close();
                    }
                    return null;
                };
            };
            log("after close: call " + which);
            calls++;
            try {
                c.run();
            } catch (IllegalStateException e) {
                refused++;
                if (!e.getMessage().contains("closed")) {
                    throw new AssertionError("after close: " + e.getMessage(), e);
                }
                return;
            } catch (Throwable t) {
                throw new AssertionError("after close, call " + which + " threw " + t + " instead of an"
                        + " IllegalStateException", t);
            }
            throw new AssertionError("after close, call " + which + " was accepted");
        }

        long anyAddressClosed() {
            return owned.isEmpty() || rnd.nextBoolean() ? (seen.isEmpty() ? 0 : seen.get(0)) : owned.get(0);
        }

        // ------------------------------------------------------------------ user code

        /**
         * What a finalizer, weakref callback or gc callback does: random calls, each a call of the
         * heap's own, checked by the same oracles (no verify inside: the heap is mid-free).
         * {@code obj}: the object finalized or the weakref called (0 for a gc callback).
         */
        void userCode(String where, long obj, boolean mayResurrect) {
            if (quiet || userDepth > 3) {
                return;
            }
            userDepth++;
            boolean stored = false; // the object was stored: a decref of it now would steal that reference
            try {
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    switch (rnd.nextInt(13)) {
                        case 0, 1 -> {
                            Object s = call("newStr", () -> heap.newStr("user"), null, false);
                            if (s != null) {
                                call("append to sink", () -> {
                                    heap.lists().append(sink, (Long) s);
                                    return null;
                                }, null, false);
                                call("decref", () -> {
                                    heap.decref((Long) s);
                                    return null;
                                }, null, true);
                            }
                        }
                        case 2 -> {
                            try {
                                heap.close();
                                problems.add(where + ": close() from inside was accepted");
                            } catch (IllegalStateException e) {
                                calls++;
                            }
                        }
                        case 3 -> {
                            try {
                                heap.verify();
                                problems.add(where + ": verify() from inside was accepted");
                            } catch (IllegalStateException e) {
                                calls++;
                            }
                        }
                        case 4 -> {
                            Object r = call("collect (inside)", () -> heap.gc().collect(), null, true);
                            if (where.startsWith("gc callback") && r != null && (Long) r != 0) {
                                problems.add(where + ": a collection from inside a collection returned " + r);
                            }
                        }
                        case 5 -> call("collectStepWork (inside)", () -> heap.gc().collectStepWork(3), null, true);
                        case 6 -> {
                            if (mayResurrect && obj != 0 && rnd.nextInt(3) == 0) {
                                stored = true;
                                call("resurrect into sink", () -> {
                                    heap.lists().append(sink, obj);
                                    return null;
                                }, null, false, obj);
                            }
                        }
                        case 7 -> {
                            if (obj != 0) {
                                call("getrefcount (inside)", () -> heap.getrefcount(obj), null, false, obj);
                            }
                        }
                        case 8 -> {
                            if (mayResurrect && obj != 0 && rnd.nextBoolean()) {
                                Object wr = call("weakref (inside)", () -> heap.weakrefs().ref(obj,
                                        rnd.nextBoolean() ? this::weakCallback : null), null, false, obj);
                                if (wr != null) {
                                    call("append weakref to sink", () -> {
                                        heap.lists().append(sink, (Long) wr);
                                        return null;
                                    }, null, false);
                                    call("decref weakref", () -> {
                                        heap.decref((Long) wr);
                                        return null;
                                    }, null, true);
                                }
                            }
                        }
                        case 9 -> {
                            if (mayResurrect && obj != 0 && !stored && rnd.nextInt(10) == 0) {
                                stored = true; // and never twice
                                // Misuse the heap tolerates: dropping the reference the finalizer was called with.
                                call("decref own object (inside)", () -> {
                                    heap.decref(obj);
                                    return null;
                                }, null, false, obj);
                            }
                        }
                        case 10 -> {
                            if (rnd.nextInt(4) == 0) {
                                log("user code throws");
                                throw new UserFailure();
                            }
                        }
                        case 11 -> {
                            Object n2 = call("Node.allocate (inside)", node::allocate, null, false);
                            if (n2 != null) {
                                long nn = (Long) n2;
                                call("append node to sink", () -> {
                                    heap.lists().append(sink, nn);
                                    return null;
                                }, null, false);
                                if (obj != 0 && mayResurrect) {
                                    stored = true;
                                    call("setRef (inside)", () -> {
                                        node.field("a").setRef(nn, obj);
                                        return null;
                                    }, null, false, obj);
                                }
                                call("decref node", () -> {
                                    heap.decref(nn);
                                    return null;
                                }, null, true);
                            }
                        }
                        default -> call("getObjects (inside)", () -> heap.gc().getObjects().length, null, true);
                    }
                }
            } finally {
                userDepth--;
            }
        }

        // ------------------------------------------------------------------ the end

        /** Drops everything the program owns: one collection must then empty the heap. */
        void teardown() {
            log("teardown");
            quiet = true;
            Gc gc = heap.gc();
            gc.callbacks().clear();
            gc.setDebug(0);
            gc.unfreeze();
            for (Ref r : refs) {
                r.close();
            }
            refs.clear();
            for (long x : owned) {
                heap.decref(x);
            }
            owned.clear();
            heap.lists().clear(gc.garbage());
            heap.lists().clear(sink);
            heap.decref(sink);
            gc.collect();
            checkProblems();
            heap.verify();
            if (heap.liveObjects() != 0 || heap.bytesInUse() != 0) {
                throw new AssertionError("after dropping everything and a full collection: " + heap.stats()
                        + "; objects left: " + Arrays.toString(Arrays.stream(gc.getObjects()).mapToObj(
                                a -> heap.describe(a)).toArray()));
            }
            heap.close();
            try {
                heap.newList();
                throw new AssertionError("a closed heap made a list");
            } catch (IllegalStateException expected) {
                // as documented
            }
        }
    }
}
