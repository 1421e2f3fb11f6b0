package org.refheap;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Options of a struct type: a finalizer ({@code __del__}), whether its instances can be weakly
 * referenced ({@code __weakref__}), and which fields are read-only once an instance is shared with
 * other threads. Immutable.
 *
 * @param finalizer   the type's finalizer, or null
 * @param weakrefable whether instances can be weakly referenced
 * @param readOnly    the names of the fields that are read-only once published (docs/THREADS.md)
 */
public record StructOptions(Finalizer finalizer, boolean weakrefable, Set<String> readOnly) {
    /** No finalizer, no weak references: a plain struct. */
    public static final StructOptions DEFAULT = new StructOptions(null, false, Set.of());

    /** Keeps {@code readOnly} as an unmodifiable copy. */
    public StructOptions {
        if (readOnly == null) {
            throw new IllegalArgumentException("readOnly must not be null (use Set.of())");
        }
        readOnly = Set.copyOf(readOnly);
    }

    /**
     * Options with no read-only field.
     *
     * @param finalizer   the type's finalizer, or null
     * @param weakrefable whether instances can be weakly referenced
     */
    public StructOptions(Finalizer finalizer, boolean weakrefable) {
        this(finalizer, weakrefable, Set.of());
    }

    /**
     * A copy with {@code f} as the type's finalizer ({@code __del__}).
     *
     * @param f the finalizer, or null for none
     * @return the new options
     */
    public StructOptions withFinalizer(Finalizer f) {
        return new StructOptions(f, weakrefable, readOnly);
    }

    /**
     * A copy whose instances can be weakly referenced ({@code __weakref__}).
     *
     * @return the new options
     */
    public StructOptions withWeakrefs() {
        return new StructOptions(finalizer, true, readOnly);
    }

    /**
     * A copy in which the named fields (in addition to any already named) are <em>read-only once
     * published</em>: the owner writes them freely until an instance is first shared with other
     * threads ({@code heap.shareAcross}/{@code handOff}, or as part of a shared tuple or struct);
     * from then on a write is an {@link IllegalStateException} on the owner (and, as every call from
     * another thread, a {@link WrongThreadException} elsewhere), and any thread holding a
     * {@code SharedRef} to the instance may read them. Only instances of a type with read-only fields
     * can be shared, and only if every reference field is read-only and the type has neither a
     * finalizer nor weak references (docs/THREADS.md).
     *
     * @param fields field names of the layout
     * @return the new options
     * @throws IllegalArgumentException when a name is null or empty (names unknown to the layout are
     *         refused by {@code defineStruct})
     */
    public StructOptions withReadOnly(String... fields) {
        Set<String> all = new LinkedHashSet<>(readOnly);
        for (String f : fields) {
            if (f == null || f.isEmpty()) {
                throw new IllegalArgumentException("a read-only field needs a name");
            }
            all.add(f);
        }
        return new StructOptions(finalizer, weakrefable, all);
    }
}
