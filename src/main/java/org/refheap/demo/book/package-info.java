/**
 * {@code make demo}: a venue's limit order books driven by a seeded market-data stream, at the
 * original demo's size and at scale (many instruments, one order-id index), built in refheap, from
 * plain Java objects, and the way a latency-minded Java programmer pools them; each contender runs in
 * a JVM process of its own. See docs/DEMO.md.
 *
 * <p>Conventions: the stream is made once per size ({@link org.refheap.demo.book.MarketGenerator})
 * and read by every contender's process from a file; a book's {@code checksum()} is the proof that
 * all ended identical; {@link org.refheap.demo.book.ContenderRunner} is the measured loop, used alike
 * by the child processes and by the tests (in process).
 */
package org.refheap.demo.book;
