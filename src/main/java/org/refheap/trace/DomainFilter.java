package org.refheap.trace;

/** Keeps (inclusive) or drops (exclusive) the traces of one domain, as CPython's {@code DomainFilter}. */
public record DomainFilter(boolean inclusive, int domain) implements TraceFilter {
    @Override
    public boolean test(Trace trace) {
        return (trace.domain() == domain) ^ !inclusive;
    }
}
