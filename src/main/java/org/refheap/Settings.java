package org.refheap;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Every {@code -Drefheap.*} system property refheap reads, in one place. They are read once, when this
 * class is initialized (at the first {@link Heap} or {@link HeapConfig#defaults()}), checked, and kept in
 * {@code static final} fields that the JIT folds like constants, in the way of Agrona's
 * {@code agrona.disable.bounds.checks} and Netty's {@code io.netty.buffer.checkAccessible}. Setting one
 * later, with {@code System.setProperty}, changes nothing.
 *
 * <pre>
 * property                default  values            meaning
 * refheap.debug           false    true | false      HeapConfig.defaults() makes debug heaps (PYTHONMALLOC=debug)
 * refheap.verify          false    true | false      heap.verify() before and after every collection
 * refheap.disableChecks   false    true | false      skip per-call validation (bounds still hold)
 * refheap.tracemalloc     0        0..65535          frames traced per allocation; 0 = off (PYTHONTRACEMALLOC)
 * refheap.leakReport      off      off|count|full    what Heap.close() says about objects still alive
 * refheap.confinedArena   false    true | false      (measuring) a confined segment, as before threads
 * refheap.share.queue     xadd     xadd|atomic|clq   (measuring) the queue of other threads' count changes
 * </pre>
 *
 * <p>A value refheap cannot take ({@code -Drefheap.debug=ture}, {@code -Drefheap.tracemalloc=-1}) is
 * refused: initializing this class throws an {@link IllegalArgumentException} naming the property, the
 * value and what it accepts (seen as the cause of an {@link ExceptionInInitializerError} at the first
 * heap). A boolean given without a value ({@code -Drefheap.debug}) means {@code true}. A property named
 * {@code refheap.*} that refheap does not know (a misspelling, say {@code -Drefheap.degub=true}) is not
 * an error, since it may be meant for a later version, but prints one warning on standard error that
 * names the known ones. {@code refheap.test.*} and the test suite's own properties (see
 * {@link #isKnown}) are left alone.
 */
public final class Settings {
    /** The most stack frames {@code refheap.tracemalloc} may ask for (CPython's limit too). */
    public static final int TRACEMALLOC_MAX_FRAMES = 65_535;

    /** The properties that change what refheap does, in the README table's order. */
    static final List<String> RUNTIME = List.of("refheap.debug", "refheap.verify", "refheap.disableChecks",
            "refheap.tracemalloc", "refheap.leakReport");
    /** Read by refheap's own test suite (make stress, replaying a seed); they change no library code. */
    static final List<String> TEST_SUITE = List.of("refheap.stress", "refheap.seed", "refheap.programs",
            "refheap.programSeed", "refheap.verifyAll");
    /**
     * Switches for measuring, read each time a heap is made (so a benchmark may flip them between
     * heaps in one JVM) through {@link #confinedArena()}, {@link #shareQueue()} and {@link #shareBatch()}.
     */
    static final List<String> MEASUREMENT = List.of("refheap.confinedArena", "refheap.share.queue", "refheap.share.batch");
    /** The values {@code refheap.share.queue} takes. */
    static final List<String> SHARE_QUEUES = List.of("xadd", "atomic", "clq");
    /** The build's own namespace (Maven properties that Surefire passes on to the tests). */
    static final String BUILD_PREFIX = "refheap.test.";
    /** The values {@code refheap.leakReport} takes. */
    static final List<String> LEAK_REPORTS = List.of("off", "count", "full");

    /**
     * {@code -Drefheap.debug=true}: {@link HeapConfig#defaults()} turns debug mode on (poisoned fresh and
     * freed memory, every address checked against the allocator, a quarantine of freed blocks), as
     * {@code PYTHONMALLOC=debug} does. A heap made from an explicit {@code HeapConfig} keeps its own
     * {@code debug}. Default {@code false}.
     */
    public static final boolean DEBUG;

    /**
     * {@code -Drefheap.verify=true}: {@link Heap#verify()} runs before and after every collection and
     * after every pause-bounded cycle, like HotSpot's {@code VerifyBeforeGC}/{@code VerifyAfterGC}. Slow:
     * for tests and bug hunts. Default {@code false}.
     */
    public static final boolean VERIFY;

    /**
     * {@code -Drefheap.disableChecks=true}: a program that has been tested may skip the per-call
     * validation at the API edge (thread, open heap, object header, type), as Agrona's
     * {@code agrona.disable.bounds.checks} does. Even then every access stays inside the heap's
     * {@code MemorySegment}, so a bad address is still an exception, never a crash. Default
     * {@code false}.
     */
    public static final boolean DISABLE_CHECKS;

    /**
     * {@code -Drefheap.tracemalloc=N}: every heap starts tracing its allocations with {@code N} stack
     * frames each, like {@code PYTHONTRACEMALLOC=N}; {@code 0} (the default) leaves tracing off. Within
     * {@code 0..}{@value #TRACEMALLOC_MAX_FRAMES}.
     */
    public static final int TRACEMALLOC;

    /**
     * {@code -Drefheap.leakReport=off|count|full}: what {@link Heap#close()} says about objects still
     * alive, as Arrow's allocator does when it closes: nothing ({@code off}, the default), one line with
     * the count ({@code count}), or also the most numerous types and, when tracemalloc traces the
     * heap, the allocation sites ({@code full}). Printed on standard error (see {@code LeakReport}).
     */
    public static final String LEAK_REPORT;

    static {
        Values v = read(System.getProperties(), System.err);
        DEBUG = v.debug();
        VERIFY = v.verify();
        DISABLE_CHECKS = v.disableChecks();
        TRACEMALLOC = v.tracemalloc();
        LEAK_REPORT = v.leakReport();
    }

    private Settings() {
    }

    /**
     * {@code -Drefheap.confinedArena=true}: a new heap's segment belongs to a confined arena, as before
     * objects could cross threads (only to measure what sharing costs the owner; nothing can then be
     * read from another thread). Read at each heap's creation. Default {@code false}.
     *
     * @return whether the next heap's segment is confined
     * @throws IllegalArgumentException when the value is not a boolean
     */
    public static boolean confinedArena() {
        List<String> errors = new ArrayList<>();
        boolean v = bool(System.getProperties(), "refheap.confinedArena", errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("refheap: " + errors.get(0));
        }
        return v;
    }

    /**
     * {@code -Drefheap.share.queue=xadd|atomic|clq}: the queue that carries other threads' increfs and
     * decrefs to a heap's owner (JCTools' XADD queue, its Unsafe-free CAS queue, or the JDK's
     * {@code ConcurrentLinkedQueue}), for benchmarks. Read when a heap first shares. Default
     * {@code xadd}.
     *
     * @return the queue's name
     * @throws IllegalArgumentException when the value is none of those
     */
    public static String shareQueue() {
        List<String> errors = new ArrayList<>();
        String v = System.getProperty("refheap.share.queue") == null ? "xadd"
                : choice(System.getProperties(), "refheap.share.queue", SHARE_QUEUES, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("refheap: " + errors.get(0));
        }
        return v;
    }

    /**
     * {@code -Drefheap.share.batch=N}: how many decrements another thread gathers before it publishes
     * them to a heap's owner as one queue element (docs/THREADS.md, "Batched decrements"); 1 sends
     * each at once, as before batching. Read when a heap first shares. Default 64, at most 4096.
     *
     * @return the batch size
     * @throws IllegalArgumentException when the value is not an integer in 1..4096
     */
    public static int shareBatch() {
        List<String> errors = new ArrayList<>();
        int v = integer(System.getProperties(), "refheap.share.batch", 64, 1, 4096, errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("refheap: " + errors.get(0));
        }
        return v;
    }

    /** What {@link #read} found. */
    record Values(boolean debug, boolean verify, boolean disableChecks, int tracemalloc, String leakReport) {
    }

    /**
     * Reads and checks every setting from {@code props}; warns on {@code warnings} about each unknown
     * {@code refheap.*} name.
     *
     * @throws IllegalArgumentException naming every bad value at once
     */
    static Values read(Properties props, PrintStream warnings) {
        List<String> errors = new ArrayList<>();
        Values v = new Values(
                bool(props, "refheap.debug", errors),
                bool(props, "refheap.verify", errors),
                bool(props, "refheap.disableChecks", errors),
                integer(props, "refheap.tracemalloc", 0, 0, TRACEMALLOC_MAX_FRAMES, errors),
                choice(props, "refheap.leakReport", LEAK_REPORTS, errors));
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("refheap: " + String.join("; ", errors)
                    + " (every refheap.* property: see org.refheap.Settings or the README)");
        }
        warnUnknown(props, warnings);
        return v;
    }

    /**
     * Whether refheap knows the system property {@code name}: one of its settings, one the test suite
     * reads, or one in the build's {@code refheap.test.*} namespace.
     *
     * @param name a system property name
     * @return true if a {@code -D} of that name is expected
     */
    public static boolean isKnown(String name) {
        return RUNTIME.contains(name) || TEST_SUITE.contains(name) || MEASUREMENT.contains(name)
                || name.startsWith(BUILD_PREFIX);
    }

    private static boolean bool(Properties props, String name, List<String> errors) {
        String s = props.getProperty(name);
        if (s == null) {
            return false;
        }
        String t = s.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("true")) {
            return true;
        }
        if (t.equalsIgnoreCase("false")) {
            return false;
        }
        errors.add("-D" + name + "=" + s + " is not a boolean: expected true or false");
        return false;
    }

    private static int integer(Properties props, String name, int dflt, int min, int max, List<String> errors) {
        String s = props.getProperty(name);
        if (s == null) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            errors.add("-D" + name + "=" + s + " is not a whole number: expected " + min + ".." + max);
            return dflt;
        }
        if (n < min || n > max) {
            errors.add("-D" + name + "=" + s + " is out of range: expected " + min + ".." + max);
            return dflt;
        }
        return (int) n;
    }

    private static String choice(Properties props, String name, List<String> values, List<String> errors) {
        String s = props.getProperty(name);
        if (s == null) {
            return values.getFirst();
        }
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (values.contains(t)) {
            return t;
        }
        errors.add("-D" + name + "=" + s + " is not one of " + String.join(", ", values));
        return values.getFirst();
    }

    private static void warnUnknown(Properties props, PrintStream warnings) {
        for (String name : new TreeSet<>(props.stringPropertyNames())) {
            if (!name.startsWith("refheap.") || isKnown(name)) {
                continue;
            }
            String near = nearest(name);
            warnings.println("refheap: WARNING: unknown system property -D" + name + "=" + props.getProperty(name)
                    + " is ignored" + (near == null ? "" : " (did you mean " + near + "?)")
                    + "; refheap reads " + String.join(", ", RUNTIME));
        }
    }

    /** The known setting closest to a misspelt {@code name}, if it is within three edits; else null. */
    static String nearest(String name) {
        String best = null;
        int bestDistance = 4;
        for (String known : RUNTIME) {
            int d = editDistance(name.toLowerCase(Locale.ROOT), known.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, two rows. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(subst, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
