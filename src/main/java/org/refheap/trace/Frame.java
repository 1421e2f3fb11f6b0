package org.refheap.trace;

/**
 * One frame of a {@link Traceback}: a Java source file, as a path from the source root
 * ({@code org/example/Cache.java}, so that filename patterns can select packages), and a line.
 * Frames compare by filename, then line, as CPython's {@code tracemalloc.Frame} does.
 */
public record Frame(String filename, int lineno) implements Comparable<Frame> {
    /** The frame of an allocation made by no user code (during heap creation, or by refheap alone). */
    public static final Frame UNKNOWN = new Frame("<unknown>", 0);

    /** Checks the components. */
    public Frame {
        if (filename == null) {
            throw new IllegalArgumentException("filename must not be null");
        }
    }

    @Override
    public int compareTo(Frame o) {
        int c = filename.compareTo(o.filename);
        return c != 0 ? c : Integer.compare(lineno, o.lineno);
    }

    /** {@code filename:lineno}, CPython's form. */
    @Override
    public String toString() {
        return filename + ":" + lineno;
    }
}
