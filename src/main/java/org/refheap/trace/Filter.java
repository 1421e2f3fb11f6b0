package org.refheap.trace;

import java.util.regex.Pattern;

/**
 * CPython's {@code tracemalloc.Filter}: traces whose most recent frame (or, with {@code allFrames},
 * any frame) has a filename matching {@code filenamePattern} (an {@code fnmatch} pattern: {@code *},
 * {@code ?}, {@code [seq]}, {@code [!seq]}; case-sensitive, as on POSIX) and, when {@code lineno} is
 * not null, that line; {@code domain}, when not null, must match too. {@code inclusive} keeps the
 * matches, otherwise they are dropped.
 */
public record Filter(boolean inclusive, String filenamePattern, Integer lineno, boolean allFrames, Integer domain)
        implements TraceFilter {

    /** Checks the components. */
    public Filter {
        if (filenamePattern == null) {
            throw new IllegalArgumentException("filenamePattern must not be null (use \"*\" for every file)");
        }
    }

    /** A filter on the most recent frame's file, any line, any domain. */
    public Filter(boolean inclusive, String filenamePattern) {
        this(inclusive, filenamePattern, null, false, null);
    }

    /** A filter on the most recent frame's file and line. */
    public Filter(boolean inclusive, String filenamePattern, Integer lineno) {
        this(inclusive, filenamePattern, lineno, false, null);
    }

    @Override
    public boolean test(Trace trace) {
        boolean res = matchTraceback(trace.traceback());
        if (domain != null) {
            return inclusive ? res && trace.domain() == domain : res || trace.domain() != domain;
        }
        return res;
    }

    private boolean matchTraceback(Traceback tb) {
        if (allFrames) {
            for (Frame f : tb.frames()) {
                if (matchFrame(f)) {
                    return inclusive;
                }
            }
            return !inclusive;
        }
        return matchFrame(tb.mostRecent()) ^ !inclusive;
    }

    private boolean matchFrame(Frame f) {
        if (!compiled().matcher(f.filename()).matches()) {
            return false;
        }
        return lineno == null || f.lineno() == lineno;
    }

    private Pattern compiled() {
        return Fnmatch.compile(filenamePattern);
    }
}
