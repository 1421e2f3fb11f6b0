package org.refheap.layout;

/**
 * A type object: an immortal object in the heap whose {@code ob_type} is the {@code type} type
 * (the {@code type} type is its own type). What the heap needs on the hot path (is it a container,
 * how big is it, where are its references) is read from here; behaviour that only Java can hold
 * (finalizers, names of struct fields) sits in a Java-side table at index {@code tp_id}.
 *
 * <pre>
 *  offset size field         meaning
 *       0    8 ob_refcnt     IMMORTAL
 *       8    8 ob_type       the `type` type
 *      16    8 tp_name       address of an immortal str
 *      24    8 tp_basicsize  bytes of header + fixed payload (the GC head not included)
 *      32    8 tp_itemsize   bytes per item of variable-size types, else 0
 *      40    4 tp_flags      HAVE_GC 1 (has a GC head), VAR 2 (ob_size at offset 16), IMMUTABLE 4,
 *                          HAVE_FINALIZER 8 (a Java finalizer in the type table)
 *      44    4 tp_kind       one of the KIND_* values: how to hash, compare and release it
 *      48    4 tp_id         index into the heap's Java-side type table
 *      52    4 tp_nrefs      number of reference fields (struct types)
 *      56    8 tp_weaklistoffset  offset of the slot heading the object's weakref list; 0 = none
 *      64  8*n tp_refoffs   offset of each reference field from the object address
 * </pre>
 */
public final class TypeLayout {
    public static final int TP_NAME = 16;
    public static final int TP_BASICSIZE = 24;
    public static final int TP_ITEMSIZE = 32;
    public static final int TP_FLAGS = 40;
    public static final int TP_KIND = 44;
    public static final int TP_ID = 48;
    public static final int TP_NREFS = 52;
    public static final int TP_WEAKLISTOFFSET = 56;
    public static final int TP_REFOFFS = 64;

    public static final int FLAG_HAVE_GC = 1;
    public static final int FLAG_VAR = 2;
    public static final int FLAG_IMMUTABLE = 4;
    public static final int FLAG_HAVE_FINALIZER = 8;

    public static final int KIND_TYPE = 0;
    public static final int KIND_NONE = 1;
    public static final int KIND_BOOL = 2;
    public static final int KIND_INT = 3;
    public static final int KIND_FLOAT = 4;
    public static final int KIND_STR = 5;
    public static final int KIND_BYTES = 6;
    public static final int KIND_TUPLE = 7;
    public static final int KIND_LIST = 8;
    public static final int KIND_DICT = 9;
    public static final int KIND_STRUCT = 10;
    public static final int KIND_WEAKREF = 11;

    private TypeLayout() {
    }

    /** Size of a type object with {@code nrefs} reference fields. */
    public static long size(int nrefs) {
        return TP_REFOFFS + 8L * nrefs;
    }
}
