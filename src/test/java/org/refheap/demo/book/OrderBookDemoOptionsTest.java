package org.refheap.demo.book;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrderBookDemoOptionsTest {
    @Test
    void shouldDefaultToTheSmallBookBesideAMillionOrders() {
        OrderBookDemo.Options o = OrderBookDemo.Options.parse(new String[0]);
        assertEquals(List.of(MarketGenerator.ORDERS_PER_INSTRUMENT, 1_000_000), o.live());
        assertEquals(Contender.defaults(), o.contenders());
        assertTrue(!o.contenders().contains(Contender.RH_OFF), "rh-off only on request");
        assertEquals(OrderBookDemo.MIN_EVENTS, o.eventsFor(3_500), "small books get the minimum");
        assertEquals(5_000_000, o.eventsFor(5_000_000), "large ones turn their book over");
        assertEquals(500, o.burst());
        assertEquals(200_000, o.gapNanos());
        assertFalse(o.checksOff(), "refheap's checks are on unless asked");
    }

    @Test
    void shouldParseSizesWithSuffixesAndEveryOption() {
        OrderBookDemo.Options o = OrderBookDemo.Options.parse(new String[] {"--live", "3500, 250k,5M", "--events",
            "1_000_000", "--burst", "100", "--gap", "300000", "--budget", "100k", "--seed", "-3", "--warmup", "0",
            "--contenders", "rh-stepped,zgc,pooled", "--out", "x/y", "--checks", "off"});
        assertEquals(List.of(3_500, 250_000, 5_000_000), o.live());
        assertEquals(1_000_000, o.eventsFor(5_000_000), "--events wins over the size's default");
        assertEquals(100, o.burst());
        assertEquals(300_000, o.gapNanos());
        assertEquals(100_000, o.budgetNanos());
        assertEquals(-3, o.seed());
        assertEquals(0, o.warmup());
        assertEquals(List.of(Contender.RH_STEPPED, Contender.ZGC, Contender.POOLED), o.contenders());
        assertEquals(Path.of("x/y"), o.out());
        assertTrue(o.checksOff());
        ContenderProcess.Settings s = new ContenderProcess.Settings(500, 1, 1, 0, 1, o.checksOff());
        assertEquals(List.of("-Drefheap.disableChecks=true"), ContenderProcess.settingsFlags(Contender.RH_STEPPED, s));
        assertEquals(List.of(), ContenderProcess.settingsFlags(Contender.ZGC, s), "the JVM contenders are unchanged");
        assertEquals(List.of(), ContenderProcess.settingsFlags(Contender.RH_STEPPED,
                new ContenderProcess.Settings(500, 1, 1, 0, 1, false)));
    }

    @Test
    void shouldRejectBadValuesNamingThem() {
        assertEquals("no contender 'cms': expected one of rh-off, rh-auto, rh-manual, rh-stepped, rh-latency, rh-latency-auto, rh-threaded, g1, "
                + "g1-fixed, zgc, parallel, pooled", assertThrows(IllegalArgumentException.class,
                        () -> OrderBookDemo.Options.parse(new String[] {"--contenders", "g1,cms"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> OrderBookDemo.Options.parse(new String[] {"--live", "lots"})).getMessage().contains("'lots'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> OrderBookDemo.Options.parse(new String[] {"--events", "0"})).getMessage().contains("--events"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> OrderBookDemo.Options.parse(new String[] {"--gap"})).getMessage().contains("needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> OrderBookDemo.Options.parse(new String[] {"--frobnicate", "1"})).getMessage().contains("--frobnicate"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> OrderBookDemo.Options.parse(new String[] {"--live", "999999999"})).getMessage().contains("too large"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> OrderBookDemo.Options.parse(new String[] {"--checks", "no"})).getMessage().contains("'no'"));
        assertNull(OrderBookDemo.Options.parse(new String[] {"--help"}));
    }

    @Test
    void shouldScaleTheVenueByInstrumentsOfTheDemosSize() {
        assertEquals(1, MarketGenerator.instrumentsFor(1));
        assertEquals(1, MarketGenerator.instrumentsFor(MarketGenerator.ORDERS_PER_INSTRUMENT));
        assertEquals(286, MarketGenerator.instrumentsFor(1_000_000));
        assertEquals(1429, MarketGenerator.instrumentsFor(5_000_000));
    }

    @Test
    void shouldCapTheFixedHeapToWhatTheMachineHolds() {
        assertTrue(Contender.FIXED_HEAP_BYTES > 0 && Contender.FIXED_HEAP_BYTES <= 8L << 30);
        assertTrue(Contender.G1_FIXED.jvmFlags().contains("-Xmx" + (Contender.FIXED_HEAP_BYTES >> 20) + "m"));
        assertTrue(Contender.G1_FIXED.jvmFlags().contains("-Xms" + (Contender.FIXED_HEAP_BYTES >> 20) + "m"));
        assertEquals(List.of("-XX:+UseZGC"), Contender.ZGC.jvmFlags());
        assertEquals(List.of(), Contender.RH_LATENCY.jvmFlags(), "refheap's processes keep the JVM's defaults");
    }
}
