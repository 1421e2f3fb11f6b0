package org.refheap;

import org.refheap.alloc.SizeClasses;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_CHAR_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.refheap.layout.ObjectLayout.GC_HEAD_SIZE;
import static org.refheap.layout.ObjectLayout.HEADER_SIZE;

/**
 * A struct type a user declared from an FFM {@link StructLayout} ({@link Heap#defineStruct}). Its
 * instances are objects whose payload is that layout, placed at offset 16 after the header:
 *
 * <pre>
 *  offset      size  field
 *  -16 (GC)      16  GC head, only if the layout has an ADDRESS member
 *    0            8  ob_refcnt
 *    8            8  ob_type   (this type)
 *   16 + m.off   m   each member m of the layout; ADDRESS members are counted references
 * </pre>
 *
 * A weakly referenceable type ({@link StructOptions#weakrefable()}) has one more hidden 8-byte slot
 * after the layout, heading the list of weakrefs to the object. A type with read-only fields
 * ({@link StructOptions#withReadOnly}) has one more after that, the <em>published</em> word: 0 when
 * the instance is made, set to 1 by the owner when the instance is first shared with other threads
 * (docs/THREADS.md); a read-only field is written only while it is 0.
 *
 * <p>Data members are stored exactly as declared: packed ones (alignment below their size) at any
 * offset, and in their declared byte order, so an FFM view of the payload with the same layout reads
 * what the fields wrote.
 *
 * <p>Fields are reached through {@link Field} handles resolved once by name: each access checks the
 * object is a live instance of this type (two reads and a compare) and allocates nothing.
 */
public final class StructType {
    private final Heap heap;
    private final String name;
    private final StructLayout layout;
    private final long payloadBytes;
    private final long[] refOffsets;
    private final Map<String, Field> fields;
    /** Offset of the published word from the object address, or 0 when no field is read-only. */
    final long publishedOffset;
    /** Whether instances can be weakly referenced (such a type cannot be shared: THREADS.md). */
    final boolean weakrefable;
    private PyType type;
    private long typeAddress;
    private boolean container;
    private int typeId;
    /** Size class of an instance's block, or -1 when it is over 512 bytes. */
    private int szidx;

    private StructType(Heap heap, String name, StructLayout layout, long payloadBytes, long[] refOffsets,
            Map<String, Field> fields, StructOptions options) {
        this.heap = heap;
        this.name = name;
        this.layout = layout;
        this.payloadBytes = payloadBytes;
        this.refOffsets = refOffsets;
        this.fields = fields;
        this.publishedOffset = options.readOnly().isEmpty() ? 0 : HEADER_SIZE + payloadBytes - 8;
        this.weakrefable = options.weakrefable();
    }

    static StructType fromLayout(Heap heap, String name, StructLayout layout, long payloadBytes, StructOptions options) {
        if (layout == null) {
            throw new IllegalArgumentException("struct type '" + name + "' needs a layout");
        }
        if (layout.byteAlignment() > 16) {
            throw new IllegalArgumentException("struct type '" + name + "': alignment " + layout.byteAlignment()
                    + " exceeds the 16 bytes objects are aligned to");
        }
        if (layout.byteSize() > (1L << 30)) {
            throw new IllegalArgumentException("struct type '" + name + "' is too large: " + layout.byteSize() + " bytes");
        }
        record Member(String name, long offset, int kind, boolean swap) {
        }
        List<Member> members = new ArrayList<>();
        List<Long> refs = new ArrayList<>();
        // A set, not a scan of the members so far: a scan made a 20,000-member layout take seconds.
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (MemoryLayout m : layout.memberLayouts()) {
            long at = offset;
            offset += m.byteSize();
            if (m instanceof PaddingLayout) {
                continue;
            }
            if (!(m instanceof ValueLayout v)) {
                throw new IllegalArgumentException("struct type '" + name + "': " + memberName(m, at) + " is "
                        + shapeOf(m) + " (" + m + "); only value and address members are supported: declare"
                        + " its parts as named members of the struct itself");
            }
            String fname = m.name().orElseThrow(() -> new IllegalArgumentException("struct type '" + name
                    + "': the " + v + " member at offset " + at + " has no name (use withName)"));
            int kind = kindOf(v, name, fname);
            if (kind == Field.REF) {
                checkReference(v, name, fname, at);
                refs.add(HEADER_SIZE + at);
            }
            if (!names.add(fname)) {
                throw new IllegalArgumentException("struct type '" + name + "': two members named '" + fname + "'");
            }
            boolean swap = v.byteSize() > 1 && v.order() != ByteOrder.nativeOrder();
            members.add(new Member(fname, HEADER_SIZE + at, kind, swap));
        }
        for (String ro : options.readOnly()) {
            if (!names.contains(ro)) {
                throw new IllegalArgumentException("struct type '" + name + "': read-only field '" + ro
                        + "' is not a member of the layout " + names);
            }
        }
        StructType st = new StructType(heap, name, layout, payloadBytes, refs.stream().mapToLong(Long::longValue).toArray(),
                new LinkedHashMap<>(), options);
        for (Member m : members) {
            st.fields.put(m.name, st.new Field(m.name, m.offset, m.kind, m.swap, options.readOnly().contains(m.name)));
        }
        return st;
    }

    /**
     * A reference is read and written by the heap and the collector as one native-order word at an
     * 8-aligned offset (objects are 16-aligned, so the offset decides); anything else is refused
     * rather than swapped or split, as a reference must be loadable in one aligned access.
     */
    private static void checkReference(ValueLayout v, String type, String field, long at) {
        if (v.byteSize() != 8) {
            throw new IllegalArgumentException("struct type '" + type + "': reference '" + field + "' is "
                    + v.byteSize() + " bytes; references are 8 bytes");
        }
        if ((at & 7) != 0) {
            throw new IllegalArgumentException("struct type '" + type + "': reference '" + field + "' is at offset "
                    + at + "; references must be at an 8-aligned offset (pad before it)");
        }
        if (v.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("struct type '" + type + "': reference '" + field + "' is declared "
                    + v.order() + "; references are stored in native order (" + ByteOrder.nativeOrder() + ")");
        }
    }

    private static String memberName(MemoryLayout m, long at) {
        return m.name().map(n -> "member '" + n + "' at offset " + at).orElse("the unnamed member at offset " + at);
    }

    private static String shapeOf(MemoryLayout m) {
        return switch (m) {
            case SequenceLayout s -> "a sequence layout";
            case UnionLayout u -> "a union layout";
            case StructLayout s -> "a nested struct layout";
            default -> "a " + m.getClass().getSimpleName();
        };
    }

    private static int kindOf(ValueLayout v, String type, String field) {
        if (v instanceof AddressLayout) {
            return Field.REF;
        }
        Class<?> c = v.carrier();
        if (c == long.class) {
            return Field.LONG;
        } else if (c == int.class) {
            return Field.INT;
        } else if (c == short.class) {
            return Field.SHORT;
        } else if (c == byte.class || c == boolean.class) {
            return Field.BYTE;
        } else if (c == char.class) {
            return Field.CHAR;
        } else if (c == double.class) {
            return Field.DOUBLE;
        } else if (c == float.class) {
            return Field.FLOAT;
        }
        throw new IllegalArgumentException("struct type '" + type + "': member '" + field + "' has unsupported carrier " + c);
    }

    void bind(PyType t) {
        this.type = t;
        this.typeAddress = t.address;
        this.container = t.isContainer();
        this.typeId = t.id;
        t.struct = this;
        long block = HEADER_SIZE + payloadBytes + (container ? GC_HEAD_SIZE : 0);
        this.szidx = block <= SizeClasses.SMALL_REQUEST_THRESHOLD ? SizeClasses.index((int) block) : -1;
    }

    long[] refOffsets() {
        return refOffsets;
    }

    /**
     * The type's name, as given to {@code defineStruct} (its {@code __name__}).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The type object in the heap that every instance's {@code ob_type} points at.
     *
     * @return the type object
     */
    public PyType type() {
        return type;
    }

    /**
     * The layout the type was defined with: the instances' fields, after the object header.
     *
     * @return the layout
     */
    public StructLayout layout() {
        return layout;
    }

    /** The field named {@code name}. */
    public Field field(String fieldName) {
        Field f = fields.get(fieldName);
        if (f == null) {
            throw new IllegalArgumentException("struct type '" + name + "' has no field '" + fieldName + "'; it has "
                    + fields.keySet());
        }
        return f;
    }

    /** The fields in layout order. */
    public Map<String, Field> fields() {
        return Collections.unmodifiableMap(fields);
    }

    /** A new instance: count 1, every field zero, every reference NULL. */
    public long allocate() {
        heap.checkOwner();
        long obj = szidx >= 0 ? heap.allocSmallObject(typeAddress, typeId, szidx, container)
                : heap.allocObject(typeAddress, HEADER_SIZE + payloadBytes, container);
        zeroPayload(obj);
        if (container) {
            heap.track(obj);
        }
        return obj;
    }

    /**
     * Zeros copied over a new instance's payload. A static copy allocates nothing; the
     * {@code asSlice(...).fill(0)} it replaces made a slice object that C2 scalar-replaced only where
     * it inlined the fill: in a test's loop it did not, and every allocation left 40 bytes of Java
     * garbage.
     */
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[4096]);

    private void zeroPayload(long obj) {
        long off = obj + HEADER_SIZE - heap.base;
        long n = payloadBytes;
        while (n > 0) {
            long k = Math.min(n, ZEROS.byteSize());
            MemorySegment.copy(ZEROS, 0, heap.seg, off, k);
            off += k;
            n -= k;
        }
    }

    /** The heap the type belongs to. */
    Heap heap() {
        return heap;
    }

    /** The address of this type's type object. */
    long typeAddress() {
        return typeAddress;
    }

    /** Whether some field is read-only once published ({@link StructOptions#withReadOnly}). */
    public boolean hasReadOnlyFields() {
        return publishedOffset != 0;
    }

    /**
     * Whether {@code obj}, an instance of this type, was shared with other threads: its read-only
     * fields can no longer be written.
     *
     * @param obj a live instance of this type
     * @return true once published
     */
    public boolean isPublished(long obj) {
        check(obj);
        return publishedOffset != 0 && heap.getLong(obj + publishedOffset) != 0;
    }

    /** Owner, from the share door: marks an instance published (its read-only fields are frozen from now on). */
    void publish(long obj) {
        heap.putLong(obj + publishedOffset, 1);
    }

    /** Whether {@code obj}, an instance of this type, was published (no checks: the share door's own use). */
    boolean publishedNoCheck(long obj) {
        return heap.getLong(obj + publishedOffset) != 0;
    }

    /** Whether {@code obj} is a live instance of this type. */
    public boolean isInstance(long obj) {
        return heap.isLive(obj) && heap.getLong(obj + 8) == typeAddress;
    }

    void check(long obj) {
        if (Heap.UNCHECKED) {
            heap.checkOwner(); // the segment still checks bounds and liveness; it is shared, so not the thread
            return;
        }
        heap.checkOwner();
        heap.checkType(obj, typeAddress, name);
    }

    @Override
    public String toString() {
        return "struct " + name + fields.keySet();
    }

    /**
     * One member of the struct. Integral members read and write as {@code long} (narrowed on
     * write), floating ones as {@code double}, ADDRESS members as references.
     *
     * <p>Data members are read and written with the {@code *_UNALIGNED} layouts whatever their
     * declared alignment: a packed member may sit at any offset, and on x86-64 and AArch64 an
     * unaligned access costs the same as an aligned one (the aligned layouts only add a check). A
     * member declared in the other byte order is byte-swapped ({@code Integer.reverseBytes} and
     * friends, which compile to one {@code bswap}/{@code rev}).
     */
    public final class Field {
        static final int LONG = 0;
        static final int INT = 1;
        static final int SHORT = 2;
        static final int BYTE = 3;
        static final int CHAR = 4;
        static final int DOUBLE = 5;
        static final int FLOAT = 6;
        static final int REF = 7;
        private static final String[] KIND_NAMES = {"long", "int", "short", "byte", "char", "double", "float", "reference"};

        final String name;
        final long offset;
        final int kind;
        /**
         * The member is declared in the other byte order: values are swapped on the way in and out.
         * A flag rather than a per-field layout keeps every access on the same static layouts.
         */
        final boolean swap;
        /** Read-only once published ({@link StructOptions#withReadOnly}). */
        final boolean readOnly;

        Field(String name, long offset, int kind, boolean swap, boolean readOnly) {
            this.name = name;
            this.offset = offset;
            this.kind = kind;
            this.swap = swap;
            this.readOnly = readOnly;
        }

        /**
         * Whether the field is read-only once an instance is published to other threads, and then
         * readable through a {@code SharedRef} on any thread.
         *
         * @return true for a read-only field
         */
        public boolean isReadOnly() {
            return readOnly;
        }

        /** The struct type this field belongs to. @return its type */
        public StructType structType() {
            return StructType.this;
        }

        /** The owner's checks, with a message for another thread that says how to read this field there. */
        private void check(long obj) {
            try {
                StructType.this.check(obj);
            } catch (WrongThreadException e) {
                throw wrongThread(e);
            }
        }

        /** The owner's checks for a write; a read-only field of a published instance is refused. */
        private void checkWrite(long obj) {
            check(obj);
            if (readOnly && heap.getLong(obj + publishedOffset) != 0) {
                throw new IllegalStateException("field " + StructType.this.name + "." + name + " of "
                        + heap.describe(obj) + " is read-only: the instance was shared with other threads");
            }
        }

        WrongThreadException wrongThread(WrongThreadException e) {
            String how = readOnly
                    ? "it is read-only once published: read it there through a SharedRef (the owner shares the"
                            + " instance with heap.shareAcross(obj), the other thread calls ref.getLong/getDouble/getRef(field))"
                    : "it is mutable, so only the owner reads or writes it: declare it read-only"
                            + " (StructOptions.withReadOnly(\"" + name + "\")) and share the instance with heap.shareAcross(obj),"
                            + " or copy what the other thread needs into a tuple";
            WrongThreadException w = new WrongThreadException("field " + StructType.this.name + "." + name
                    + " was used from thread '" + Thread.currentThread().getName() + "': " + e.getMessage()
                    + "; " + how);
            w.initCause(e);
            return w;
        }

        /**
         * The member's name in the layout.
         *
         * @return the name
         */
        public String name() {
            return name;
        }

        /** Offset from the object address. */
        public long offset() {
            return offset;
        }

        /**
         * Whether this member is an {@code ADDRESS}: a counted reference, read with {@link #getRef}.
         *
         * @return true for a reference member
         */
        public boolean isReference() {
            return kind == REF;
        }

        /**
         * Reads an integral member ({@code long}, {@code int}, {@code short}, {@code byte} or {@code char}), widened
         * to {@code long} ({@code char} unsigned, the others signed).
         *
         * @param obj a live instance of this type
         * @return the member's value
         * @throws WrongTypeException if {@code obj} is not an instance of this type, or the member is not integral
         */
        public long getLong(long obj) {
            check(obj);
            return readLong(obj);
        }

        /** The value, no checks (the share door's read of a published read-only field). */
        long readLong(long obj) {
            long a = obj + offset - heap.base;
            if (kind == LONG) {
                long v = heap.seg.get(JAVA_LONG_UNALIGNED, a);
                return swap ? Long.reverseBytes(v) : v;
            }
            return getNarrow(a);
        }

        private long getNarrow(long a) {
            MemorySegment s = heap.seg;
            switch (kind) {
                case INT: {
                    int v = s.get(JAVA_INT_UNALIGNED, a);
                    return swap ? Integer.reverseBytes(v) : v;
                }
                case SHORT: {
                    short v = s.get(JAVA_SHORT_UNALIGNED, a);
                    return swap ? Short.reverseBytes(v) : v;
                }
                case BYTE:
                    return s.get(JAVA_BYTE, a);
                case CHAR: {
                    char v = s.get(JAVA_CHAR_UNALIGNED, a);
                    return swap ? Character.reverseBytes(v) : v;
                }
                default:
                    throw kindMismatch("an integral");
            }
        }

        /**
         * Writes an integral member; a narrower member keeps the low bits of {@code value}.
         *
         * @param obj   a live instance of this type
         * @param value the new value
         * @throws WrongTypeException if {@code obj} is not an instance of this type, or the member is not integral
         */
        public void setLong(long obj, long value) {
            checkWrite(obj);
            long a = obj + offset - heap.base;
            if (kind == LONG) {
                heap.seg.set(JAVA_LONG_UNALIGNED, a, swap ? Long.reverseBytes(value) : value);
            } else {
                setNarrow(a, value);
            }
        }

        private void setNarrow(long a, long value) {
            MemorySegment s = heap.seg;
            switch (kind) {
                case INT -> s.set(JAVA_INT_UNALIGNED, a, swap ? Integer.reverseBytes((int) value) : (int) value);
                case SHORT -> s.set(JAVA_SHORT_UNALIGNED, a, swap ? Short.reverseBytes((short) value) : (short) value);
                case BYTE -> s.set(JAVA_BYTE, a, (byte) value);
                case CHAR -> s.set(JAVA_CHAR_UNALIGNED, a, swap ? Character.reverseBytes((char) value) : (char) value);
                default -> throw kindMismatch("an integral");
            }
        }

        /** Floating members of the other byte order are swapped as their raw bits: a NaN keeps its payload. */
        public double getDouble(long obj) {
            check(obj);
            return readDouble(obj);
        }

        /** The value, no checks (the share door's read of a published read-only field). */
        double readDouble(long obj) {
            long a = obj + offset - heap.base;
            MemorySegment s = heap.seg;
            switch (kind) {
                case DOUBLE:
                    return swap ? Double.longBitsToDouble(Long.reverseBytes(s.get(JAVA_LONG_UNALIGNED, a)))
                            : s.get(JAVA_DOUBLE_UNALIGNED, a);
                case FLOAT:
                    return swap ? Float.intBitsToFloat(Integer.reverseBytes(s.get(JAVA_INT_UNALIGNED, a)))
                            : s.get(JAVA_FLOAT_UNALIGNED, a);
                default:
                    throw kindMismatch("a floating-point");
            }
        }

        /**
         * Writes a floating member ({@code double}, or {@code float} rounded from {@code value}).
         *
         * @param obj   a live instance of this type
         * @param value the new value
         * @throws WrongTypeException if {@code obj} is not an instance of this type, or the member is not floating
         */
        public void setDouble(long obj, double value) {
            checkWrite(obj);
            long a = obj + offset - heap.base;
            MemorySegment s = heap.seg;
            switch (kind) {
                case DOUBLE -> {
                    if (swap) {
                        s.set(JAVA_LONG_UNALIGNED, a, Long.reverseBytes(Double.doubleToRawLongBits(value)));
                    } else {
                        s.set(JAVA_DOUBLE_UNALIGNED, a, value);
                    }
                }
                case FLOAT -> {
                    if (swap) {
                        s.set(JAVA_INT_UNALIGNED, a, Integer.reverseBytes(Float.floatToRawIntBits((float) value)));
                    } else {
                        s.set(JAVA_FLOAT_UNALIGNED, a, (float) value);
                    }
                }
                default -> throw kindMismatch("a floating-point");
            }
        }

        /** The referenced object (a borrowed reference: not incref'd), or 0 for NULL. */
        public long getRef(long obj) {
            check(obj);
            if (kind != REF) {
                throw kindMismatch("a reference");
            }
            return heap.getLong(obj + offset);
        }

        /**
         * Stores a reference to {@code value} (0 clears the field): increfs {@code value}, then
         * decrefs the object the field held before, which may free it.
         */
        public void setRef(long obj, long value) {
            checkWrite(obj);
            if (kind != REF) {
                throw kindMismatch("a reference");
            }
            if (value != 0) {
                if (!Heap.UNCHECKED) {
                    heap.checkValue(value, obj);
                }
                heap.increfNoCheck(value);
            }
            long slot = obj + offset;
            long old = heap.getLong(slot);
            heap.putLong(slot, value);
            if (old != 0) {
                heap.decrefNoCheck(old);
            }
        }

        private WrongTypeException kindMismatch(String expected) {
            return new WrongTypeException("field " + StructType.this.name + "." + name + " is a " + KIND_NAMES[kind]
                    + " field, not " + expected + " one");
        }

        @Override
        public String toString() {
            return StructType.this.name + "." + name + ": " + KIND_NAMES[kind] + " @" + offset;
        }
    }
}
