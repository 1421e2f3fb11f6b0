package org.refheap;

/**
 * Options of a struct type: a finalizer ({@code __del__}) and whether its instances can be weakly
 * referenced ({@code __weakref__}). Immutable.
 */
public record StructOptions(Finalizer finalizer, boolean weakrefable) {
    /** No finalizer, no weak references: a plain struct. */
    public static final StructOptions DEFAULT = new StructOptions(null, false);

    /**
     * A copy with {@code f} as the type's finalizer ({@code __del__}).
     *
     * @param f the finalizer, or null for none
     * @return the new options
     */
    public StructOptions withFinalizer(Finalizer f) {
        return new StructOptions(f, weakrefable);
    }

    /**
     * A copy whose instances can be weakly referenced ({@code __weakref__}).
     *
     * @return the new options
     */
    public StructOptions withWeakrefs() {
        return new StructOptions(finalizer, true);
    }
}
