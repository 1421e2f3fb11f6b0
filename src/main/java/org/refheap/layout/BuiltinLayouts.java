package org.refheap.layout;

/**
 * Payload layouts of the built-in types, as offsets from the object address (the header takes
 * offsets 0..15; see {@link ObjectLayout}).
 *
 * <pre>
 *  type   GC  offset size field       meaning
 *  int     -      16    8 value       two's complement
 *  bool    -      16    8 value       0 or 1 (True and False are immortal singletons)
 *  float   -      16    8 value       IEEE 754 double
 *  str     -      16    8 ob_size     length in UTF-8 bytes
 *                 24    8 hash        cached hash of the bytes, computed at creation
 *                 32    n data        UTF-8 bytes
 *  bytes   -      16..   as str
 *  tuple  yes     16    8 ob_size     item count
 *                 24  8*n items       addresses; set once at creation
 *  list   yes     16    8 ob_size     item count
 *                 24    8 allocated   capacity of the item block
 *                 32    8 ob_item     address of a raw block of `allocated` addresses (0 if none)
 *  dict   yes     16    8 used        live entries
 *                 24    8 fill        live entries + deleted markers
 *                 32    8 mask        table slots - 1 (slots a power of two, at least 8)
 *                 40    8 table       address of a raw block of slots, 24 bytes each:
 *                                     hash (8) | key (8; 0 empty, 1 deleted) | value (8)
 *  struct yes if it has references or a finalizer: the user's StructLayout from offset 16, ADDRESS
 *         members are counted references (0 = NULL); a weakly referenceable struct type adds one
 *         hidden 8-byte slot after the layout: the address of its first weakref (tp_weaklistoffset)
 *  weakref yes    16    8 wr_object   the referent, not counted; 0 once it died (reads as None)
 *                 24    8 wr_callback index of the Java callback in the heap's table; 0 = none
 *                 32    8 wr_next     next weakref to the same referent
 *                 40    8 wr_prev     previous one (0 = this is the first: the referent's slot holds it)
 * </pre>
 */
public final class BuiltinLayouts {
    public static final int VALUE = 16;

    public static final int STR_SIZE = 16;
    public static final int STR_HASH = 24;
    public static final int STR_DATA = 32;

    public static final int TUPLE_SIZE = 16;
    public static final int TUPLE_ITEMS = 24;

    public static final int LIST_SIZE = 16;
    public static final int LIST_ALLOCATED = 24;
    public static final int LIST_ITEMS = 32;
    public static final int LIST_BASICSIZE = 40;

    public static final int DICT_USED = 16;
    public static final int DICT_FILL = 24;
    public static final int DICT_MASK = 32;
    public static final int DICT_TABLE = 40;
    public static final int DICT_BASICSIZE = 48;
    public static final int ENTRY_SIZE = 24;
    public static final int ENTRY_HASH = 0;
    public static final int ENTRY_KEY = 8;
    public static final int ENTRY_VALUE = 16;
    public static final int WR_OBJECT = 16;
    public static final int WR_CALLBACK = 24;
    public static final int WR_NEXT = 32;
    public static final int WR_PREV = 40;
    public static final int WR_BASICSIZE = 48;

    /** Key of a deleted slot. Never a real address: objects are 16-byte aligned. */
    public static final long DUMMY = 1;

    private BuiltinLayouts() {
    }
}
