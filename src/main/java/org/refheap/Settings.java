package org.refheap;

/**
 * The {@code -Drefheap.*} system properties, read once when refheap is first used, so that the JIT
 * folds each into the code that tests it.
 */
final class Settings {
    /** {@code refheap.disableChecks}: skip per-call validation of addresses (see {@link Heap#UNCHECKED}). */
    static final boolean DISABLE_CHECKS = Boolean.getBoolean("refheap.disableChecks");

    private Settings() {
    }
}
