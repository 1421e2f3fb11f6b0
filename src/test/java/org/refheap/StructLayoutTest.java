package org.refheap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_CHAR;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A struct's payload is exactly the layout it was declared with: packed and foreign-order members are
 * stored as the layout says (an FFM view of the same bytes agrees with every Field), and what cannot
 * be honoured is refused at {@link Heap#defineStruct}.
 */
class StructLayoutTest {
    private static final ByteOrder FOREIGN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
            ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;

    /** One member of every carrier, each with a value whose bytes all differ (a swap shows). */
    private static final ValueLayout[] CARRIERS = {JAVA_BYTE, JAVA_BOOLEAN, JAVA_SHORT, JAVA_CHAR, JAVA_INT,
            JAVA_LONG, JAVA_FLOAT, JAVA_DOUBLE};

    private Heap heap;

    @BeforeEach
    void open() {
        heap = Heap.create();
    }

    @AfterEach
    void close() {
        heap.close();
    }

    /**
     * Every carrier in {@code order}; packed: each member right after the previous one (alignment 1),
     * else each at its natural alignment with explicit padding. A leading byte puts the packed ones at
     * odd offsets.
     */
    private static StructLayout layoutOf(ByteOrder order, boolean packed) {
        List<MemoryLayout> members = new ArrayList<>();
        members.add(JAVA_BYTE.withName("lead"));
        long at = 1;
        for (ValueLayout v : CARRIERS) {
            ValueLayout m = v.withOrder(order).withName(v.carrier().getSimpleName());
            if (packed) {
                m = m.withByteAlignment(1);
            } else if (at % m.byteSize() != 0) {
                long pad = m.byteSize() - at % m.byteSize();
                members.add(MemoryLayout.paddingLayout(pad));
                at += pad;
            }
            members.add(m);
            at += m.byteSize();
        }
        return MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new));
    }

    /** The same bytes as the object's payload, to be read with the declared layout's own VarHandles. */
    private MemorySegment payload(long obj, StructLayout layout) {
        return heap.seg.asSlice(obj + 16 - heap.base, layout.byteSize());
    }

    private static Object viewGet(StructLayout layout, MemorySegment payload, String name) {
        VarHandle vh = layout.varHandle(groupElement(name));
        return vh.get(payload, 0L);
    }

    private static void viewSet(StructLayout layout, MemorySegment payload, String name, Object value) {
        VarHandle vh = layout.varHandle(groupElement(name));
        vh.set(payload, 0L, value);
    }

    private void assertHonoured(String typeName, ByteOrder order, boolean packed) {
        StructLayout layout = layoutOf(order, packed);
        StructType st = heap.defineStruct(typeName, layout);
        long o = st.allocate();
        MemorySegment p = payload(o, layout);
        String where = typeName + " " + layout;

        // Written through Field, read through the declared layout.
        st.field("lead").setLong(o, 0x5a);
        st.field("byte").setLong(o, -7);
        st.field("boolean").setLong(o, 1);
        st.field("short").setLong(o, 0x1234);
        st.field("char").setLong(o, 0xabcd);
        st.field("int").setLong(o, 0x12345678);
        st.field("long").setLong(o, 0x0102030405060708L);
        st.field("float").setDouble(o, 1.5e-3f);
        st.field("double").setDouble(o, Math.PI);
        assertEquals((byte) 0x5a, viewGet(layout, p, "lead"), where);
        assertEquals((byte) -7, viewGet(layout, p, "byte"), where);
        assertEquals(true, viewGet(layout, p, "boolean"), where);
        assertEquals((short) 0x1234, viewGet(layout, p, "short"), where);
        assertEquals((char) 0xabcd, viewGet(layout, p, "char"), where);
        assertEquals(0x12345678, viewGet(layout, p, "int"), where);
        assertEquals(0x0102030405060708L, viewGet(layout, p, "long"), where);
        assertEquals(1.5e-3f, viewGet(layout, p, "float"), where);
        assertEquals(Math.PI, viewGet(layout, p, "double"), where);
        // And through Field again.
        assertEquals(0x5a, st.field("lead").getLong(o), where);
        assertEquals(-7, st.field("byte").getLong(o), where);
        assertEquals(1, st.field("boolean").getLong(o), where);
        assertEquals(0x1234, st.field("short").getLong(o), where);
        assertEquals(0xabcd, st.field("char").getLong(o), where);
        assertEquals(0x12345678, st.field("int").getLong(o), where);
        assertEquals(0x0102030405060708L, st.field("long").getLong(o), where);
        assertEquals(1.5e-3f, (float) st.field("float").getDouble(o), where);
        assertEquals(Math.PI, st.field("double").getDouble(o), where);

        // Written through the declared layout, read through Field; negative values check sign handling.
        viewSet(layout, p, "byte", (byte) 0x81);
        viewSet(layout, p, "boolean", false);
        viewSet(layout, p, "short", (short) -2);
        viewSet(layout, p, "char", (char) 0xfedc);
        viewSet(layout, p, "int", 0x80706050);
        viewSet(layout, p, "long", 0x8877665544332211L);
        viewSet(layout, p, "float", -2.75e7f);
        viewSet(layout, p, "double", -1e-300);
        assertEquals((byte) 0x81, st.field("byte").getLong(o), where);
        assertEquals(0, st.field("boolean").getLong(o), where);
        assertEquals(-2, st.field("short").getLong(o), where);
        assertEquals(0xfedc, st.field("char").getLong(o), where);
        assertEquals(0x80706050, st.field("int").getLong(o), where);
        assertEquals(0x8877665544332211L, st.field("long").getLong(o), where);
        assertEquals(-2.75e7f, (float) st.field("float").getDouble(o), where);
        assertEquals(-1e-300, st.field("double").getDouble(o), where);
        assertEquals((byte) 0x5a, viewGet(layout, p, "lead"), where + ": a neighbour was overwritten");

        // The bytes themselves, for one member: an int in the declared order.
        long intAt = st.field("int").offset();
        byte first = heap.seg.get(JAVA_BYTE, o + intAt - heap.base);
        assertEquals(order == ByteOrder.BIG_ENDIAN ? (byte) 0x80 : (byte) 0x50, first, where);
        heap.decref(o);
    }

    @Test
    void shouldStorePackedMembersOfEveryCarrierAtTheirOffsets() {
        assertHonoured("Packed", ByteOrder.nativeOrder(), true);
    }

    @Test
    void shouldStoreForeignOrderMembersOfEveryCarrierInTheirDeclaredOrder() {
        assertHonoured("Foreign", FOREIGN, false);
    }

    @Test
    void shouldStorePackedForeignOrderMembersOfEveryCarrier() {
        assertHonoured("PackedForeign", FOREIGN, true);
    }

    @Test
    void shouldStoreNaturallyAlignedNativeMembersAsBefore() {
        assertHonoured("Plain", ByteOrder.nativeOrder(), false);
    }

    @Test
    void shouldStoreBigEndianMembersBigEndian() {
        assertHonoured("Big", ByteOrder.BIG_ENDIAN, false);
        assertHonoured("PackedBig", ByteOrder.BIG_ENDIAN, true);
    }

    private IllegalArgumentException refused(String name, MemoryLayout... members) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> heap.defineStruct(name, MemoryLayout.structLayout(members)));
        assertTrue(heap.type(name) == null, "a refused type must not be registered: " + name);
        return e;
    }

    private static void assertMentions(IllegalArgumentException e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' not in: " + e.getMessage());
        }
    }

    @Test
    void shouldRefuseReferencesThatAreNotNativeOrder() {
        assertMentions(refused("BigRef", ADDRESS.withOrder(FOREIGN).withName("next")),
                "BigRef", "'next'", "native", FOREIGN.toString());
    }

    @Test
    void shouldRefuseReferencesAtUnalignedOffsets() {
        assertMentions(refused("OddRef", JAVA_BYTE.withName("tag"), ADDRESS.withByteAlignment(1).withName("next")),
                "OddRef", "'next'", "offset 1", "8-aligned");
        assertMentions(refused("HalfRef", JAVA_INT.withName("tag"), ADDRESS.withByteAlignment(4).withName("next")),
                "HalfRef", "'next'", "offset 4", "8-aligned");
        long before = heap.liveObjects();
        // A reference declared with a small alignment is fine where it happens to sit 8-aligned.
        StructType ok = heap.defineStruct("LooseRef", MemoryLayout.structLayout(JAVA_LONG.withName("tag"),
                ADDRESS.withByteAlignment(1).withName("next")));
        long a = ok.allocate();
        long b = ok.allocate();
        ok.field("next").setRef(a, b);
        heap.decref(b);
        heap.decref(a);
        assertEquals(before, heap.liveObjects());
    }

    @Test
    void shouldRefuseSequenceUnionAndNestedStructMembersByName() {
        assertMentions(refused("Seq", JAVA_INT.withName("n"), MemoryLayout.sequenceLayout(4, JAVA_INT).withName("xs")),
                "Seq", "'xs'", "sequence", "only value and address members");
        assertMentions(refused("Uni", MemoryLayout.unionLayout(JAVA_INT.withName("i"), JAVA_FLOAT.withName("f"))
                .withName("u")), "Uni", "'u'", "union");
        assertMentions(refused("Nest", MemoryLayout.structLayout(JAVA_INT.withName("x"), JAVA_INT.withName("y"))
                .withName("point")), "Nest", "'point'", "struct");
        // Unnamed, the member is still described by what it is and where it is.
        assertMentions(refused("SeqAnon", MemoryLayout.sequenceLayout(2, JAVA_LONG)), "SeqAnon", "sequence", "offset 0");
        assertMentions(refused("Anon", JAVA_INT.withName("a"), JAVA_INT), "Anon", "offset 4", "withName");
    }

    @Test
    void shouldDefineAStructOfTwentyThousandMembers() {
        int n = 20_000;
        MemoryLayout[] members = new MemoryLayout[n];
        for (int i = 0; i < n; i++) {
            members[i] = (i % 4 == 0 ? ADDRESS : JAVA_LONG).withName("m" + i);
        }
        StructType wide = heap.defineStruct("Wide", MemoryLayout.structLayout(members));
        assertEquals(n, wide.fields().size());
        assertEquals(n / 4, wide.type().refOffsets().length);
        long o = wide.allocate();
        long p = wide.allocate();
        wide.field("m19999").setLong(o, 42);
        wide.field("m19996").setRef(o, p);
        heap.decref(p);
        assertEquals(42, wide.field("m19999").getLong(o));
        assertEquals(16 + 8 * 19_999, wide.field("m19999").offset());
        heap.decref(o);
        assertEquals(0, heap.liveObjects());
        MemoryLayout[] twice = members.clone();
        twice[n - 1] = JAVA_LONG.withName("m0");
        assertMentions(refused("Twice", twice), "Twice", "two members named 'm0'");
    }

    @Test
    void shouldReadAndWritePackedForeignOrderFieldsWithoutAllocating() {
        StructType st = heap.defineStruct("Hot", layoutOf(FOREIGN, true));
        long o = st.allocate();
        StructType.Field i = st.field("int");
        StructType.Field l = st.field("long");
        StructType.Field c = st.field("char");
        StructType.Field f = st.field("float");
        StructType.Field d = st.field("double");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = 0;
        long acc = 0;
        for (int round = 0; round < 3; round++) { // the last round runs compiled code
            long t0 = mx.getCurrentThreadAllocatedBytes();
            for (int k = 0; k < 100_000; k++) {
                i.setLong(o, k);
                l.setLong(o, -k);
                c.setLong(o, k);
                f.setDouble(o, k * 0.5);
                d.setDouble(o, k * 0.25);
                acc += i.getLong(o) + l.getLong(o) + c.getLong(o) + (long) f.getDouble(o) + (long) d.getDouble(o);
            }
            allocated = mx.getCurrentThreadAllocatedBytes() - t0;
        }
        assertTrue(acc != 0);
        assertTrue(allocated < 10_000, "bytes allocated by 1M field accesses: " + allocated);
        heap.decref(o);
    }
}
