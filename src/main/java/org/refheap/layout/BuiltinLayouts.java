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
 *  dict   yes     16    8 used        live entries (in both pairs while one is rebuilt)
 *                 24    8 index       raw block of 8-byte index slots, a power of two of them; 0 = no table
 *                 32    8 mask        index slots - 1
 *                 40    8 entries     raw block of entries, 24 bytes each, in insertion order
 *                 48    8 capacity    entries the block holds
 *                 56    8 next        entry positions written so far (holes of deleted entries included)
 *                 64    8 rebuild     raw block of an incremental rebuild under way (REB_*), 0 = none
 *         index slot: (hash &gt;&gt;&gt; 32) &lt;&lt; 32 | (position + 1); 0 = empty. Linear probing from
 *                     (hash &gt;&gt;&gt; 32) &amp; mask, deletion by backward shift: no tombstones.
 *         entry:      hash (8) | key (8; 0 = hole; KEY_INT set for an int key) | value (8)
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
    public static final int DICT_INDEX = 24;
    public static final int DICT_MASK = 32;
    public static final int DICT_ENTRIES = 40;
    public static final int DICT_CAPACITY = 48;
    public static final int DICT_NEXT = 56;
    public static final int DICT_REBUILD = 64;
    public static final int DICT_BASICSIZE = 72;
    public static final int ENTRY_SIZE = 24;
    public static final int ENTRY_HASH = 0;
    public static final int ENTRY_KEY = 8;
    public static final int ENTRY_VALUE = 16;
    /**
     * Set in an entry's key word (addresses are 16-byte aligned) when the key is an int: its hash is
     * then {@code mix(value)}, a bijection, so an equal hash is an equal int and a lookup by int never
     * reads the key object.
     */
    public static final long KEY_INT = 2;
    /** The key word without its tag bits. */
    public static final long KEY_ADDRESS = ~15L;

    /** Rebuild block: state, then the other pair (being zeroed, or the old one being moved out). */
    public static final int REB_STATE = 0;
    public static final int REB_INDEX = 8;
    public static final int REB_MASK = 16;
    public static final int REB_ENTRIES = 24;
    public static final int REB_CAPACITY = 32;
    public static final int REB_NEXT = 40;
    public static final int REB_CURSOR = 48;
    public static final int REB_MOVED = 56;
    public static final int REB_RESERVED = 64;
    public static final int REB_SIZE = 72;
    /** The rebuild block's pair is the new one, being zeroed a slice per operation. */
    public static final long REB_PREPARING = 1;
    /** The rebuild block's pair is the old one, whose entries move to the dict's pair a few per operation. */
    public static final long REB_MIGRATING = 2;
    public static final int WR_OBJECT = 16;
    public static final int WR_CALLBACK = 24;
    public static final int WR_NEXT = 32;
    public static final int WR_PREV = 40;
    public static final int WR_BASICSIZE = 48;

    private BuiltinLayouts() {
    }
}
