package org.refheap.trace;

import org.refheap.Heap;

import java.lang.StackWalker.StackFrame;
import java.security.CodeSource;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Captures the user's frames of the current stack: a {@link StackWalker} walk that skips refheap's
 * own frames and stops after the limit, each frame interned (one {@link Frame} per class and line),
 * so a trace holds only an index.
 *
 * <p><b>Whose frame is it?</b> A frame is refheap's own when its class is in one of the library's
 * packages ({@link #LIBRARY_PACKAGES}: not {@code org.refheap.demo}, nor anything else under
 * {@code org.refheap}, such as benchmarks shaded into the same jar) and was loaded from the same place
 * as {@link Heap} (so tests in those packages count as users). Every such frame is skipped, wherever
 * it is on the stack (a finalizer or a cache's compute function called back by refheap still shows
 * its caller's frames). One owner thread per heap: not thread-safe.
 */
final class StackCapture {
    static final StackWalker WALKER =
            StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE), 8);
    private static final String LIBRARY_LOCATION = location(Heap.class);
    /** refheap's library packages: their frames are never the user's. */
    static final Set<String> LIBRARY_PACKAGES = Set.of("org.refheap", "org.refheap.alloc", "org.refheap.memory",
            "org.refheap.layout", "org.refheap.observe", "org.refheap.trace", "org.refheap.cache", "org.refheap.graph",
            "org.refheap.leak");

    /** Whether a class is refheap's own: decided once per class. */
    private static final ClassValue<Boolean> LIBRARY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return LIBRARY_PACKAGES.contains(c.getPackageName()) && Objects.equals(location(c), LIBRARY_LOCATION);
        }
    };

    private static String location(Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        return cs == null || cs.getLocation() == null ? null : cs.getLocation().toString();
    }

    /** The frames of the last walk, most recent first. */
    Frame[] buf;
    /** How many of {@link #buf} the last walk filled. */
    int n;
    /**
     * The walk's callback: {@code WALKER.walk(walk)}, called straight from the allocation listener,
     * leaves the user's frames in {@code buf[0..n)}, most recent first.
     */
    final Function<Stream<StackFrame>, Object> walk = this::walk;
    private final HashMap<Class<?>, Lines> byClass = new HashMap<>();
    /** Frames interned so far, and the characters of their file names: for the memory figure. */
    long frames;
    long nameChars;
    long classes;

    StackCapture(int limit) {
        this.buf = new Frame[limit];
    }

    private Object walk(Stream<StackFrame> s) {
        Frame[] buf = this.buf;
        int n = 0;
        Iterator<StackFrame> it = s.iterator();
        while (n < buf.length && it.hasNext()) {
            StackFrame f = it.next();
            Class<?> c = f.getDeclaringClass();
            if (!LIBRARY.get(c)) {
                buf[n++] = intern(c, f);
            }
        }
        this.n = n;
        return null;
    }

    private Frame intern(Class<?> c, StackFrame sf) {
        Lines lines = byClass.get(c);
        if (lines == null) {
            String file = sf.getFileName(); // once per class
            String pkg = c.getPackageName();
            String name = file != null ? file : outermost(c).getSimpleName() + ".java";
            String filename = pkg.isEmpty() ? name : pkg.replace('.', '/') + "/" + name;
            lines = new Lines(filename);
            byClass.put(c, lines);
            nameChars += filename.length();
            classes++;
        }
        int lineno = Math.max(sf.getLineNumber(), 0);
        Frame f = lines.get(lineno);
        if (f == null) {
            f = new Frame(lines.filename, lineno);
            lines.put(lineno, f);
            frames++;
        }
        return f;
    }

    private static Class<?> outermost(Class<?> c) {
        while (c.getEnclosingClass() != null) {
            c = c.getEnclosingClass();
        }
        return c;
    }

    /** Interned frames of one class, by line: open addressing, line + 1 as the key so 0 means empty. */
    private static final class Lines {
        final String filename;
        int[] keys = new int[8];
        Frame[] frames = new Frame[8];
        int size;

        Lines(String filename) {
            this.filename = filename;
        }

        Frame get(int line) {
            int mask = keys.length - 1;
            for (int i = (line * 0x9E3779B9) >>> 16 & mask; ; i = (i + 1) & mask) {
                if (keys[i] == 0) {
                    return null;
                }
                if (keys[i] == line + 1) {
                    return frames[i];
                }
            }
        }

        void put(int line, Frame f) {
            if (2 * (size + 1) > keys.length) {
                int[] oldKeys = keys;
                Frame[] oldFrames = frames;
                keys = new int[oldKeys.length * 2];
                frames = new Frame[oldKeys.length * 2];
                size = 0;
                for (int i = 0; i < oldKeys.length; i++) {
                    if (oldKeys[i] != 0) {
                        put(oldKeys[i] - 1, oldFrames[i]);
                    }
                }
            }
            int mask = keys.length - 1;
            int i = (line * 0x9E3779B9) >>> 16 & mask;
            while (keys[i] != 0) {
                i = (i + 1) & mask;
            }
            keys[i] = line + 1;
            frames[i] = f;
            size++;
        }
    }
}
