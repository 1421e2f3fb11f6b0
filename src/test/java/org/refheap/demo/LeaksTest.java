package org.refheap.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** make leaks runs, and each step shows what it claims. */
class LeaksTest {
    @Test
    void shouldWalkThroughEveryStep(@TempDir Path dir) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true));
        try {
            Leaks.main(new String[] {dir.toString()});
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString();
        old.print(out);
        String[] lines = out.split("\n");
        int top = java.util.Arrays.asList(lines).indexOf("[ Top 10 differences ]");
        assertTrue(top >= 0, out);
        assertTrue(lines[top + 1].startsWith("org/refheap/demo/Leaks.java:") && lines[top + 1].contains("count=10000 (+10000)"),
                lines[top + 1]);
        assertTrue(out.contains("str  6000 +2000") && out.contains("dict 3000 +1000"), out);
        assertTrue(out.contains("whyAlive(the last session): list@0x"), out);
        assertTrue(out.contains("LruCache(128), round 4: ") && out.contains("currsize=128"), out);
        assertTrue(out.contains("WeakValueDictionary of the 1000 open sessions: len 1000")
                && out.contains("after they end: len 0, 0 Session objects alive"), out);
        assertTrue(out.contains("collected 2 objects, gc.garbage holds 0"), out);
        assertTrue(Files.exists(dir.resolve("chain.dot")), out);
    }
}
