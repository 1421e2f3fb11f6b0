package org.refheap;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The -Drefheap.* settings: read, checked, refused loudly, misspellings warned about, all documented. */
class SettingsTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final PrintStream warnings = new PrintStream(err, true, StandardCharsets.UTF_8);

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    private String warned() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldTakeTheDefaultsWhenNothingIsSet() {
        Settings.Values v = Settings.read(props("java.version", "25", "refheapish", "x"), warnings);
        assertEquals(new Settings.Values(false, false, false, 0, "off"), v);
        assertEquals("", warned());
    }

    @Test
    void shouldReadEverySetting() {
        Settings.Values v = Settings.read(props("refheap.debug", "TRUE", "refheap.verify", "", "refheap.disableChecks",
                "false", "refheap.tracemalloc", " 25 ", "refheap.leakReport", "Full"), warnings);
        assertEquals(new Settings.Values(true, true, false, 25, "full"), v);
        assertEquals("", warned());
    }

    @Test
    void shouldRefuseABadBooleanNamingPropertyAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.read(props("refheap.debug", "ture"), warnings));
        assertTrue(e.getMessage().contains("-Drefheap.debug=ture is not a boolean: expected true or false"),
                e.getMessage());
    }

    @Test
    void shouldRefuseOutOfRangeAndNonNumericFrameCounts() {
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class,
                () -> Settings.read(props("refheap.tracemalloc", "-1"), warnings));
        assertTrue(low.getMessage().contains("-Drefheap.tracemalloc=-1 is out of range: expected 0..65535"),
                low.getMessage());
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class,
                () -> Settings.read(props("refheap.tracemalloc", "65536"), warnings));
        assertTrue(high.getMessage().contains("=65536 is out of range"), high.getMessage());
        IllegalArgumentException word = assertThrows(IllegalArgumentException.class,
                () -> Settings.read(props("refheap.tracemalloc", "ten"), warnings));
        assertTrue(word.getMessage().contains("-Drefheap.tracemalloc=ten is not a whole number"), word.getMessage());
        assertEquals(65_535, Settings.read(props("refheap.tracemalloc", "65535"), warnings).tracemalloc());
    }

    @Test
    void shouldRefuseAnUnknownChoiceAndReportEveryBadValueAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.read(props("refheap.leakReport", "all", "refheap.verify", "yes"), warnings));
        assertTrue(e.getMessage().contains("-Drefheap.leakReport=all is not one of off, count, full"), e.getMessage());
        assertTrue(e.getMessage().contains("-Drefheap.verify=yes"), e.getMessage());
    }

    @Test
    void shouldWarnAboutAMisspeltPropertyNamingTheKnownOnes() {
        Settings.Values v = Settings.read(props("refheap.degub", "true"), warnings);
        assertFalse(v.debug(), "a misspelt name sets nothing");
        String w = warned();
        assertTrue(w.contains("unknown system property -Drefheap.degub=true is ignored (did you mean refheap.debug?)"),
                w);
        for (String known : Settings.RUNTIME) {
            assertTrue(w.contains(known), w);
        }
    }

    @Test
    void shouldNotGuessForANameFarFromEveryKnownOne() {
        Settings.read(props("refheap.colour", "blue"), warnings);
        assertTrue(warned().contains("-Drefheap.colour=blue is ignored;"), warned());
        assertNull(Settings.nearest("refheap.somethingElseEntirely"));
    }

    @Test
    void shouldLeaveTheTestSuitesAndTheBuildsPropertiesAlone() {
        Settings.read(props("refheap.stress", "true", "refheap.seed", "42", "refheap.test.argLine", "-Dx=y",
                "refheap.test.somethingNew", "1"), warnings);
        assertEquals("", warned());
    }

    @Test
    void shouldHaveReadThisJvmsPropertiesIntoTheConstants() {
        // This JVM runs with no refheap setting, unless make stress or a developer passed one.
        assertEquals(Boolean.getBoolean("refheap.debug"), Settings.DEBUG);
        assertEquals(Integer.getInteger("refheap.tracemalloc", 0), Settings.TRACEMALLOC);
        assertEquals(Settings.DEBUG, HeapConfig.defaults().debug());
    }

    /** The README's table and the code agree: every property it lists is known, every known one listed. */
    @Test
    void shouldBeListedInTheReadmeTable() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("(?m)^\\| `-D(refheap\\.[A-Za-z.]+)").matcher(readme);
        List<String> listed = new ArrayList<>();
        while (m.find()) {
            listed.add(m.group(1));
        }
        List<String> known = Stream.of(Settings.RUNTIME, Settings.TEST_SUITE, Settings.MEASUREMENT)
                .flatMap(List::stream).toList();
        assertEquals(known, listed, "README's table of -Drefheap.* properties");
    }

    /** No other main class reads a refheap.* property on its own. */
    @Test
    void shouldBeTheOnlyReaderOfRefheapProperties() throws IOException {
        List<String> readers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (f.getFileName().toString().equals("Settings.java")) {
                    continue;
                }
                String s = Files.readString(f);
                if (Pattern.compile("(getProperty|getBoolean|getInteger|getLong)\\(\\s*\"refheap\\.").matcher(s).find()) {
                    readers.add(f.toString());
                }
            }
        }
        assertEquals(List.of(), readers, "read refheap.* through org.refheap.Settings");
    }
}
