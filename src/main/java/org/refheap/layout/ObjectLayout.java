package org.refheap.layout;

/**
 * Offsets of every object's header, relative to the object's address (what {@code PyObject *}
 * points at). Container objects carry a 16-byte GC head <em>before</em> that address, as in CPython
 * 3.8+ ({@code PyGC_Head}, bpo-33597).
 *
 * <pre>
 *  offset size field      meaning
 *     -16    8 gc_next    containers only: next object in its generation list; 0 = untracked
 *      -8    8 gc_prev    containers only: previous object; low bits are flags (issue: collector)
 *       0    8 ob_refcnt  &gt; 0 live; &gt;= IMMORTAL never changes; &lt;= 0 freed
 *       8    8 ob_type    address of the type object (itself an object in the same heap)
 *      16    . payload    the type's fields; variable-size objects put ob_size here first
 * </pre>
 *
 * A freed block's first word holds its free-list link stored as {@code ~next} (always negative), so
 * a freed non-container reads as count &lt; 0; a freed container keeps count 0 (the link overwrites
 * its gc_next). Either way a stale address is caught by the count check, and {@code ob_type} stays
 * readable so that the error can name the type.
 */
public final class ObjectLayout {
    public static final int GC_NEXT = -16;
    public static final int GC_PREV = -8;
    public static final int GC_HEAD_SIZE = 16;
    public static final int REFCNT = 0;
    public static final int TYPE = 8;
    public static final int HEADER_SIZE = 16;
    /** First payload byte; for variable-size objects the item count {@code ob_size}. */
    public static final int OB_SIZE = 16;
    /**
     * Counts at or above this are immortal (PEP 683): incref and decref leave them alone. None, True,
     * False, the small ints -5..256, type objects and their names are immortal.
     */
    public static final long IMMORTAL = 1L << 60;

    private ObjectLayout() {
    }
}
