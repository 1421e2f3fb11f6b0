package org.refheap.trace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The frames that led to an allocation, oldest first and most recent last (CPython 3.7+'s order),
 * at most the traceback limit of {@link Tracemalloc#start(int)}. Never empty: an allocation made by no
 * user code has the one frame {@link Frame#UNKNOWN}. Immutable; equal when their frames are, ordered
 * by their frames compared in turn (a tuple's order).
 */
public final class Traceback implements Iterable<Frame>, Comparable<Traceback> {
    private final Frame[] frames;
    private final int hash;

    /** {@code frames} oldest first; the array is copied. */
    public Traceback(List<Frame> frames) {
        this(frames.toArray(new Frame[0]), true);
    }

    Traceback(Frame[] frames, boolean copy) {
        if (frames.length == 0) {
            throw new IllegalArgumentException("a traceback has at least one frame (Frame.UNKNOWN when none is known)");
        }
        this.frames = copy ? frames.clone() : frames;
        for (Frame f : this.frames) {
            if (f == null) {
                throw new IllegalArgumentException("a traceback's frames must not be null: " + Arrays.toString(frames));
            }
        }
        this.hash = Arrays.hashCode(this.frames);
    }

    /** The frame at {@code index}, the most recent first. @param index from 0 @return the frame */
    public Frame get(int index) {
        return frames[index];
    }

    /** How many frames this traceback holds. @return the number of frames */
    public int size() {
        return frames.length;
    }

    /** The frame of the code that asked for the block (CPython's {@code traceback[0]} of the raw trace). */
    public Frame mostRecent() {
        return frames[frames.length - 1];
    }

    Frame[] frames() {
        return frames;
    }

    /** The frames, oldest first. */
    public List<Frame> asList() {
        return List.of(frames);
    }

    @Override
    public Iterator<Frame> iterator() {
        return asList().iterator();
    }

    /**
     * CPython's {@code Traceback.format}: a line {@code   File "name", line N} per frame, oldest first
     * unless {@code mostRecentFirst}; {@code limit} > 0 keeps the most recent {@code limit} frames,
     * {@code limit < 0} the oldest {@code -limit}, null all of them.
     */
    public List<String> format(Integer limit, boolean mostRecentFirst) {
        int from = 0;
        int to = frames.length;
        if (limit != null) {
            if (limit > 0) {
                from = Math.max(0, frames.length - limit);
            } else {
                to = Math.max(0, frames.length + limit);
            }
        }
        List<String> lines = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            Frame f = frames[mostRecentFirst ? to - 1 - (i - from) : i];
            lines.add("  File \"" + f.filename() + "\", line " + f.lineno());
        }
        return lines;
    }

    /** All frames, oldest first. */
    public List<String> format() {
        return format(null, false);
    }

    @Override
    public int compareTo(Traceback o) {
        int n = Math.min(frames.length, o.frames.length);
        for (int i = 0; i < n; i++) {
            int c = frames[i].compareTo(o.frames[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(frames.length, o.frames.length);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Traceback t && hash == t.hash && Arrays.equals(frames, t.frames);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The first (oldest) frame, as CPython's {@code str(traceback)}. */
    @Override
    public String toString() {
        return frames[0].toString();
    }
}
