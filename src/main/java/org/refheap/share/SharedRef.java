package org.refheap.share;

import org.refheap.UseAfterFreeException;
import org.refheap.WrongTypeException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static org.refheap.layout.BuiltinLayouts.TUPLE_ITEMS;
import static org.refheap.layout.BuiltinLayouts.TUPLE_SIZE;
import static org.refheap.layout.BuiltinLayouts.VALUE;
import static org.refheap.layout.ObjectLayout.IMMORTAL;
import static org.refheap.layout.TypeLayout.*;

/**
 * One counted reference to an immutable object of a heap, that any thread may hold: read the
 * object, take further references ({@link #dup}, {@link #item}) and drop this one ({@link #close}).
 * Made by the owner with {@code heap.shareAcross(obj)} (a new reference) or {@code heap.handOff(obj)}
 * (the caller's reference).
 *
 * <p>A handle is used by one thread at a time and passed between threads the way any object is
 * passed safely (a concurrent queue, an executor, a volatile field: anything that gives
 * happens-before). Its increment and decrement never touch the object's header from another
 * thread: they are queued to the owner, who applies them at its next allocation, collection or
 * {@code drainRemote()}. docs/THREADS.md says why nothing is freed early.
 *
 * <p>Misuse is an exception in the thread that commits it: a read of a closed handle or of a heap
 * the owner closed ({@link IllegalStateException}), a second {@link #close}
 * ({@link IllegalStateException}), a read of the wrong kind ({@link WrongTypeException}), an object
 * found freed under the handle (the owner released a reference it did not hold:
 * {@link UseAfterFreeException}).
 */
public final class SharedRef implements AutoCloseable {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SharedRef.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int OPEN = 0;
    private static final int CLOSED = 1;

    final RemoteRefs home;
    final long address;
    final int kind;
    /** None, True, False, small ints, the empty tuple: their count never changes, so nothing is queued for them. */
    final boolean immortal;
    /**
     * Set by the thread that made the handle, before it offers it ("count one more"); cleared by the
     * owner when it applies that increment. No other thread writes it; the queue's offer and poll
     * order the two.
     */
    boolean incrementPending;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    SharedRef(RemoteRefs home, long address, int kind, boolean immortal) {
        this.home = home;
        this.address = address;
        this.kind = kind;
        this.immortal = immortal;
    }

    /** A new handle made on another thread: its increment goes through the queue. */
    private static SharedRef remote(RemoteRefs home, long address, int kind, boolean immortal) {
        SharedRef r = new SharedRef(home, address, kind, immortal);
        if (!immortal) {
            r.incrementPending = true;
            home.enqueue(r);
        }
        return r;
    }

    // ================================================================== what it holds

    /** The object's address: to recognise it, not a reference of the caller's own (see {@link #reclaim}). */
    public long address() {
        return address;
    }

    /** Whether the handle still holds its reference (not closed, not reclaimed). */
    public boolean isOpen() {
        return state == OPEN;
    }

    /** The name of the object's type: "int", "str", "tuple", ... */
    public String typeName() {
        checkUsable();
        return home.door.typeName(address);
    }

    /** Whether the object is None. @return true for None */
    public boolean isNone() {
        checkUsable();
        return kind == KIND_NONE;
    }

    /** The value of an int or a bool. */
    public long intValue() {
        expect(KIND_INT, KIND_BOOL, "an int");
        return read(address + VALUE);
    }

    /** The value of a float. @return the value @throws WrongTypeException when it is not a float */
    public double floatValue() {
        expect(KIND_FLOAT, KIND_FLOAT, "a float");
        try {
            return home.door.doubleAt(address + VALUE);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    /** The value of a bool. @return the value @throws WrongTypeException when it is not a bool */
    public boolean boolValue() {
        expect(KIND_BOOL, KIND_BOOL, "a bool");
        return read(address + VALUE) != 0;
    }

    /** The text of a str. @return the text @throws WrongTypeException when it is not a str */
    public String strValue() {
        expect(KIND_STR, KIND_STR, "a str");
        try {
            return home.door.str(address);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    /** The contents of a bytes object. @return a copy @throws WrongTypeException when it is not bytes */
    public byte[] bytesValue() {
        expect(KIND_BYTES, KIND_BYTES, "a bytes");
        try {
            return home.door.bytes(address);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    // ================================================================== tuples

    /** The number of items of a tuple. */
    public int size() {
        expect(KIND_TUPLE, KIND_TUPLE, "a tuple");
        return (int) read(address + TUPLE_SIZE);
    }

    /** A new reference to item {@code index} of a tuple (its increment is queued to the owner). */
    public SharedRef item(int index) {
        long item = itemAddress(index);
        int k = itemKind(item, index);
        return remote(home, item, k, read(item) >= IMMORTAL);
    }

    /** Item {@code index} of a tuple, an int or a bool, read through this handle's reference (nothing queued). */
    public long intAt(int index) {
        long item = itemAddress(index);
        checkItem(item, index, itemKind(item, index), KIND_INT, KIND_BOOL, "an int");
        return read(item + VALUE);
    }

    /** Item {@code index} of a tuple, read in place, as a float. @param index the item @return its value */
    public double floatAt(int index) {
        long item = itemAddress(index);
        checkItem(item, index, itemKind(item, index), KIND_FLOAT, KIND_FLOAT, "a float");
        try {
            return home.door.doubleAt(item + VALUE);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    /** Item {@code index} of a tuple, read in place, as a str. @param index the item @return its text */
    public String strAt(int index) {
        long item = itemAddress(index);
        checkItem(item, index, itemKind(item, index), KIND_STR, KIND_STR, "a str");
        try {
            return home.door.str(item);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    private long itemAddress(int index) {
        int n = size();
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for " + this + " of size " + n);
        }
        return read(address + TUPLE_ITEMS + 8L * index);
    }

    private int itemKind(long item, int index) {
        int k = home.door.kindOf(item);
        if (k < 0) {
            throw new UseAfterFreeException("item " + index + " of " + this + " (0x" + Long.toHexString(item)
                    + ") was freed under a shared reference: the owner of heap #" + home.heapId
                    + " released a reference it did not hold");
        }
        return k;
    }

    private void checkItem(long item, int index, int k, int want, int orWant, String what) {
        if (k != want && k != orWant) {
            throw new WrongTypeException("item " + index + " of " + this + " is not " + what + " (type "
                    + home.door.typeName(item) + ")");
        }
    }

    // ================================================================== structs with read-only fields

    /**
     * A read-only integral field of a shared struct ({@code StructOptions.withReadOnly}), read in
     * place on any thread.
     *
     * @param field one of the struct type's read-only fields
     * @return the value, widened to long
     * @throws WrongThreadException when the field is mutable (only the owner reads it; the message says how to share)
     * @throws WrongTypeException when the object is not an instance of the field's type, or the field is not integral
     */
    public long getLong(org.refheap.StructType.Field field) {
        expect(KIND_STRUCT, KIND_STRUCT, "a struct");
        try {
            return home.door.structLong(address, field);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    /**
     * A read-only floating field of a shared struct, read in place on any thread.
     *
     * @param field one of the struct type's read-only fields
     * @return the value
     * @throws WrongThreadException when the field is mutable
     * @throws WrongTypeException when the object is not an instance of the field's type, or the field is not floating
     */
    public double getDouble(org.refheap.StructType.Field field) {
        expect(KIND_STRUCT, KIND_STRUCT, "a struct");
        try {
            return home.door.structDouble(address, field);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    /**
     * A new reference to the object a read-only reference field of a shared struct holds (its
     * increment is queued to the owner, as {@link #item}'s), or null when the field is NULL.
     *
     * @param field one of the struct type's read-only reference fields
     * @return a handle on the referent, or null
     * @throws WrongThreadException when the field is mutable
     * @throws WrongTypeException when the object is not an instance of the field's type, or the field is not a reference
     */
    public SharedRef getRef(org.refheap.StructType.Field field) {
        expect(KIND_STRUCT, KIND_STRUCT, "a struct");
        long target;
        try {
            target = home.door.structRef(address, field);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
        if (target == 0) {
            return null;
        }
        int k = home.door.kindOf(target);
        if (k < 0) {
            throw new UseAfterFreeException("field " + field.name() + " of " + this + " refers to a freed object: the"
                    + " owner of heap #" + home.heapId + " released a reference it did not hold");
        }
        return remote(home, target, k, read(target) >= IMMORTAL);
    }

    // ================================================================== references

    /** A new reference to the same object, for this thread or another (its increment is queued). */
    public SharedRef dup() {
        checkUsable();
        return remote(home, address, kind, immortal);
    }

    /**
     * Drops this reference: its decrement is queued to the owner. A handle whose heap the owner
     * closed closes quietly (there is nothing left to release). Closing twice is an exception.
     *
     * @throws IllegalStateException when the handle was closed or reclaimed already
     */
    @Override
    public void close() {
        if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
            throw new IllegalStateException(this + " was closed twice: its reference was dropped already");
        }
        if (!immortal && !home.isClosed()) {
            home.release(this);
        }
    }

    /**
     * Publishes the current thread's gathered decrements, for every heap, to their owners. A thread
     * other than the owner gathers the decrements of the handles it closes and sends them in batches
     * (docs/THREADS.md); until a batch is sent, the objects it releases stay alive (never freed early,
     * possibly later). Call this when a thread stops releasing for a while (before it idles, at the end
     * of a task on a pooled thread); a thread that ends needs no call: the owner takes what it left at
     * its next {@code heap.drainRemote()} or {@code gc.collect()}. Cheap when nothing is gathered.
     */
    public static void flushReleases() {
        ThreadReleases.flushAll();
    }

    /**
     * Owner thread only: ends the handle and gives its reference to the caller as a plain counted
     * reference (no decrement), after applying what other threads queued so that the count in the
     * header includes it.
     *
     * @throws WrongThreadException from any other thread
     * @throws IllegalStateException when the handle was closed or its heap closed
     */
    public long reclaim() {
        if (Thread.currentThread() != home.owner) {
            return home.reclaim(this); // throws, naming the owner
        }
        if (!STATE.compareAndSet(this, OPEN, CLOSED)) {
            throw new IllegalStateException(this + " was closed or reclaimed already");
        }
        try {
            return home.reclaim(this);
        } catch (RuntimeException e) {
            state = OPEN; // refused: the handle keeps its reference
            throw e;
        }
    }

    // ================================================================== checks

    private void expect(int want, int orWant, String what) {
        checkUsable();
        if (kind != want && kind != orWant) {
            throw new WrongTypeException(this + " is not " + what);
        }
    }

    private void checkUsable() {
        if (state != OPEN) {
            throw new IllegalStateException(this + " was closed: take another reference (dup) before closing"
                    + " the one you read through");
        }
        if (home.isClosed()) {
            throw new IllegalStateException("heap #" + home.heapId + " was closed by its owner: " + this
                    + " holds nothing any more");
        }
        int now;
        try {
            now = home.door.kindOf(address);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
        if (now != kind) {
            throw new UseAfterFreeException(this + " refers to a freed object: the owner of heap #" + home.heapId
                    + " released a reference it did not hold");
        }
    }

    private long read(long a) {
        try {
            return home.door.word(a);
        } catch (IllegalStateException e) {
            throw closedUnder(e);
        }
    }

    private IllegalStateException closedUnder(IllegalStateException e) {
        return new IllegalStateException("heap #" + home.heapId + " was closed by its owner while " + this
                + " was being read", e);
    }

    @Override
    public String toString() {
        return "SharedRef(0x" + Long.toHexString(address) + ", " + KIND_NAMES[kind] + ", heap #" + home.heapId + ")";
    }

    private static final String[] KIND_NAMES = {"type", "NoneType", "bool", "int", "float", "str", "bytes", "tuple",
            "list", "dict", "struct", "weakref"};
}
