package org.refheap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A user's project outside this repository, as the README's "Using refheap in your project" tells it:
 * written into a temporary folder, built by Maven offline against this build's jar and pom as
 * {@code mvn install} lays them out in a local repository (its {@code requires org.refheap} compiled
 * against the module), then run on the module path with {@code --enable-native-access=org.refheap} and
 * on the class path with {@code =ALL-UNNAMED}.
 *
 * <p>{@code make test} packages and installs before it tests, so the jar is there. Run some other way
 * (an IDE, {@code mvn test} with no jar in target/) the test is skipped; the Maven build passes
 * {@code refheap.test.*} properties naming its Maven, local repository and version.
 */
class ModuleProjectTest {
    /** Beyond the README's program: the collector, JMX through the exported MXBean, what is not exported. */
    private static final String CHECKS = """
            package example.app;

            import java.lang.foreign.MemoryLayout;
            import java.lang.management.ManagementFactory;
            import javax.management.ObjectName;
            import org.refheap.Heap;
            import org.refheap.StructType;

            import static java.lang.foreign.ValueLayout.ADDRESS;
            import static java.lang.foreign.ValueLayout.JAVA_LONG;

            public class Checks {
                public static void main(String[] args) throws Exception {
                    System.out.println("refheap " + Heap.version() + " in " + Heap.class.getModule());
                    try (Heap heap = Heap.create()) {
                        StructType order = heap.defineStruct("Order", MemoryLayout.structLayout(
                                JAVA_LONG.withName("price"), JAVA_LONG.withName("qty"), ADDRESS.withName("next")));
                        StructType.Field price = order.field("price"), next = order.field("next");
                        long a = order.allocate();
                        long b = order.allocate();
                        price.setLong(a, 101_25);
                        next.setRef(a, b);                  // a holds b
                        heap.decref(b);
                        System.out.println("refcount " + heap.getrefcount(b));
                        next.setRef(b, a);                  // a cycle: only the collector frees it
                        heap.decref(a);
                        System.out.println("live before collect " + heap.liveObjects());
                        System.out.println("collected " + heap.gc().collect());
                        System.out.println("live after collect " + heap.liveObjects());
                        ObjectName name = heap.registerMXBean();
                        System.out.println("JMX LiveObjects " + ManagementFactory.getPlatformMBeanServer()
                                .getAttribute(name, "LiveObjects"));
                    }
                    Module m = Heap.class.getModule();
                    System.out.println("exports org.refheap.memory " + m.isExported("org.refheap.memory"));
                }
            }
            """;

    @Test
    void shouldBuildAndRunAProjectThatRequiresTheModule(@TempDir Path dir) throws Exception {
        String mavenHome = System.getProperty("refheap.test.mavenHome");
        String repo = System.getProperty("refheap.test.localRepository");
        String version = System.getProperty("refheap.test.version");
        assumeTrue(mavenHome != null && repo != null && version != null,
                "not run by the Maven build (no refheap.test.* properties)");
        Path mvn = Path.of(mavenHome, "bin", "mvn");
        Path jar = Path.of("target", "refheap-" + version + ".jar").toAbsolutePath();
        assumeTrue(Files.isExecutable(mvn), "no Maven at " + mvn);
        assumeTrue(Files.isRegularFile(jar), "no " + jar + ": run make test (it installs first) or mvn package");

        // This build's jar and pom, laid out as mvn install lays them out, in a local repository of the
        // test's own, ahead of the user's (maven.repo.local.tail, Maven 3.9+) for the plugins. Not the
        // user's own copy: on a machine where several builds install refheap at once, that one may be
        // another build's by the time this test runs.
        Path repoHead = dir.resolve("repository");
        Path installed = repoHead.resolve(Path.of("org", "refheap", "refheap", version));
        Files.createDirectories(installed);
        Files.copy(jar, installed.resolve("refheap-" + version + ".jar"));
        Files.copy(Path.of("pom.xml"), installed.resolve("refheap-" + version + ".pom"));
        Path project = dir.resolve("app");
        Files.createDirectories(project);

        // The README's minimal program, as printed there; the module-info also lets Checks use JMX.
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## Using refheap in your project"));
        String moduleInfo = javaBlock(section, "module example.app");
        String main = javaBlock(section, "public class Main");
        Path src = project.resolve("src/main/java/example/app");
        Files.createDirectories(src);
        Files.writeString(project.resolve("pom.xml"), pom(version));
        Files.writeString(project.resolve("src/main/java/module-info.java"),
                moduleInfo.replace("requires org.refheap;", "requires org.refheap;\n    requires java.management;"));
        Files.writeString(src.resolve("Main.java"), main);
        Files.writeString(src.resolve("Checks.java"), CHECKS);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Result build = run(project, mvn.toString(), "-B", "-q", "-o", "-Dstyle.color=never",
                "-Dmaven.repo.local=" + repoHead, "-Dmaven.repo.local.tail=" + repo, "compile");
        assertEquals(0, build.exit, "the example project did not build:\n" + build.output);
        assertTrue(Files.isRegularFile(project.resolve("target/classes/module-info.class")), build.output);

        String classes = project.resolve("target/classes").toString();
        // refheap's one runtime dependency (the queue of other threads' count changes), where Maven put it.
        String jctools = Path.of(org.jctools.queues.MpscUnboundedXaddArrayQueue.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI()).toString();
        String path = classes + File.pathSeparator + jar + File.pathSeparator + jctools;
        for (String program : List.of("Main", "Checks")) {
            Result modular = run(project, java, "--enable-native-access=org.refheap", "--module-path", path,
                    "--module", "example.app/example.app." + program);
            Result classPath = run(project, java, "--enable-native-access=ALL-UNNAMED", "-cp", path,
                    "example.app." + program);
            for (Result r : List.of(modular, classPath)) {
                assertEquals(0, r.exit, r.output);
                // The right --enable-native-access flag leaves the JDK nothing to warn about.
                assertFalse(r.output.contains("WARNING"), r.output);
                if (program.equals("Main")) {
                    assertTrue(r.output.contains("refheap " + version + ": 2 live objects"), r.output);
                } else {
                    assertRan(r.output);
                }
            }
            if (program.equals("Checks")) {
                assertTrue(modular.output.contains("refheap " + version + " in module org.refheap"), modular.output);
                assertTrue(modular.output.contains("exports org.refheap.memory false"), modular.output);
                assertTrue(classPath.output.contains("refheap " + version + " in unnamed module"), classPath.output);
            }
        }
    }

    /** The first ```java block of {@code text} that contains {@code marker}. */
    private static String javaBlock(String text, String marker) {
        int at = text.indexOf(marker);
        assertTrue(at >= 0, "README: no code block with " + marker);
        int start = text.lastIndexOf("```java\n", at) + "```java\n".length();
        int end = text.indexOf("```", at);
        return text.substring(start, end);
    }

    private static void assertRan(String output) {
        for (String line : List.of("refcount 1", "live before collect 2", "collected 2", "live after collect 0",
                "JMX LiveObjects 0")) {
            assertTrue(output.contains(line), "missing \"" + line + "\" in:\n" + output);
        }
    }

    /** The smallest pom that builds against refheap, with the plugins refheap's own build pinned. */
    private static String pom(String version) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>app</artifactId>
                  <version>1</version>
                  <properties>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <maven.compiler.release>25</maven.compiler.release>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>org.refheap</groupId>
                      <artifactId>refheap</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>%s</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>%s</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(version, System.getProperty("refheap.test.resourcesPluginVersion"),
                System.getProperty("refheap.test.compilerPluginVersion"));
    }

    private record Result(int exit, String output) {
    }

    private static Result run(Path dir, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, "timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), String.join(" ", command) + "\n" + new String(out, StandardCharsets.UTF_8));
    }
}
