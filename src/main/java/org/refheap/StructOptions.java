package org.refheap;

/**
 * Options of a struct type: a finalizer ({@code __del__}) and whether its instances can be weakly
 * referenced ({@code __weakref__}). Immutable.
 */
public record StructOptions(Finalizer finalizer, boolean weakrefable) {
    public static final StructOptions DEFAULT = new StructOptions(null, false);

    public StructOptions withFinalizer(Finalizer f) {
        return new StructOptions(f, weakrefable);
    }

    public StructOptions withWeakrefs() {
        return new StructOptions(finalizer, true);
    }
}
