package org.refheap.share;

/**
 * What {@link RemoteRefs} may do to its heap, and nothing more. Implemented only inside
 * {@code org.refheap} (a package-private class that only the heap instantiates): holding a
 * {@code HeapDoor} of your own making opens no heap.
 *
 * <p>Owner-thread methods: {@link #checkShareable}, {@link #incref}, {@link #decref},
 * {@link #canDrainNow}, {@link #unraisable}. Any-thread methods read one object that a
 * {@link SharedRef} keeps alive: {@link #kindOf}, {@link #typeName}, {@link #word},
 * {@link #doubleAt}, {@link #bytes}, {@link #str}, {@link #structLong}, {@link #structDouble},
 * {@link #structRef}; they throw IllegalStateException once the heap's
 * memory is unmapped, never crash.
 */
public interface HeapDoor {
    /** The heap's number, for messages. @return its id */
    int heapId();

    /** Whether the heap is a debug heap (shared references are then counted per object). @return true in debug mode */
    boolean isDebug();

    /** Owner: {@code obj} is live and deeply immutable; returns its kind, else throws naming what is mutable. */
    int checkShareable(long obj);

    /** Owner: the checked incref (a bad address is an exception, nothing changes). */
    void incref(long obj);

    /** Owner: the checked decref. */
    void decref(long obj);

    /** Owner: whether queued operations may be applied now (not in the middle of a collection). */
    boolean canDrainNow();

    /** Owner: reports what has nowhere to go (a bad operation found while draining). */
    void unraisable(String where, Throwable t);

    /** Any thread: the kind (TypeLayout.KIND_*) of the object at {@code obj}, or -1 when none is there (freed). */
    int kindOf(long obj);

    /** Any thread: the type's name, "T, freed" for a freed object. */
    String typeName(long obj);

    /** The word at {@code address} of an object a shared reference keeps alive. @param address inside such an object @return the word */
    long word(long address);

    /** The double at {@code address} of an object a shared reference keeps alive. @param address inside such an object @return the value */
    double doubleAt(long address);

    /** The contents of a bytes object a shared reference keeps alive. @param obj the bytes object @return a copy */
    byte[] bytes(long obj);

    /** The text of a str a shared reference keeps alive. @param obj the str @return its text */
    String str(long obj);

    /**
     * Any thread: a read-only integral field of a published struct a shared reference keeps alive;
     * a field of another type is a WrongTypeException, a mutable one a WrongThreadException saying
     * how to share it.
     *
     * @param obj the struct
     * @param f   one of its type's read-only fields
     * @return the value, widened to long
     */
    long structLong(long obj, org.refheap.StructType.Field f);

    /** As {@link #structLong}, a floating field. @param obj the struct @param f the field @return the value */
    double structDouble(long obj, org.refheap.StructType.Field f);

    /** As {@link #structLong}, a reference field: the referent's address, or 0. @param obj the struct @param f the field @return the address */
    long structRef(long obj, org.refheap.StructType.Field f);
}
