/**
 * Runnable faces: {@code Tour} ({@code make tour}), {@code Leaks} ({@code make leaks}), {@code CollectTiming} (the Java side of
 * {@code make compare-cpython}), and in {@code demo.book} the order book of {@code make demo}.
 */
package org.refheap.demo;
