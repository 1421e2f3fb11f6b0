/**
 * {@code make demo}: a limit order book driven by a seeded market-data stream, built once in refheap
 * and once from plain Java objects, run in four ways of collecting; see docs/DEMO.md.
 */
package org.refheap.demo.book;
