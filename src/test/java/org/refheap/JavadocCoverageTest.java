package org.refheap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public type, constructor, method and field of the exported packages has a Javadoc comment.
 * {@code mvn javadoc:javadoc} (and the -javadoc jar) runs doclint with {@code all,-missing}: broken
 * references, bad HTML and wrong tags fail the build there. What {@code -missing} leaves out, a member
 * with no comment at all, is checked here, by javac's doclint over the exported packages (a few seconds):
 * the {@code @param}/{@code @return} tags are not required where the sentence already says it.
 */
class JavadocCoverageTest {
    @Test
    void shouldDocumentEveryPublicTypeAndMemberOfTheExportedPackages(@TempDir Path out) throws IOException {
        List<String> exported = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*exports\\s+([\\w.]+)\\s*;").matcher(
                Files.readString(Path.of("src/main/java/module-info.java")));
        while (m.find()) {
            exported.add(m.group(1));
        }
        assertTrue(exported.contains("org.refheap"), "module-info.java's exports: " + exported);
        // Only the exported packages' sources; the rest comes compiled from target/classes (on the test
        // class path), and javac stops once doclint has run, after attribution: a few seconds.
        List<File> sources = new ArrayList<>();
        for (String pkg : exported) {
            try (Stream<Path> files = Files.list(Path.of("src/main/java", pkg.split("\\.")))) {
                files.filter(p -> p.toString().endsWith(".java")).map(Path::toFile).forEach(sources::add);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = List.of("-proc:none", "-implicit:none", "-XDshould-stop.ifNoError=ATTR",
                    "-d", out.toString(), "-Xmaxwarns", "10000", "-cp", System.getProperty("java.class.path"),
                    "-Xdoclint:missing/protected", "-Xdoclint/package:" + String.join(",", exported));
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromFiles(sources))
                    .call();
            assertTrue(ok, () -> "main sources did not compile: " + diagnostics.getDiagnostics());
        }
        List<String> undocumented = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            String message = d.getMessage(Locale.ROOT);
            if (message.equals("no comment") || message.equals("no main description")) {
                undocumented.add(Path.of(d.getSource().toUri()).getFileName() + ":" + d.getLineNumber() + ": "
                        + message);
            }
        }
        assertEquals(List.of(), undocumented, "public API without Javadoc (" + undocumented.size() + ")");
    }
}
