package org.refheap.trace;

/**
 * A filter of {@link Snapshot#filterTraces}: CPython's {@code BaseFilter}. A trace is kept when it
 * matches at least one inclusive filter (if there is any) and every exclusive filter lets it through.
 */
public sealed interface TraceFilter permits Filter, DomainFilter {
    /** Whether this filter keeps matching traces (true) or drops them (false). */
    boolean inclusive();

    /** Whether {@code trace} passes this filter: for an exclusive filter, whether it does not match. */
    boolean test(Trace trace);
}
