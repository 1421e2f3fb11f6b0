package org.refheap.demo.book;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Starts one contender in a JVM process of its own (the same java, the same class path, the
 * contender's flags), waits for it and reads its result. One at a time: the demo never runs two.
 */
public final class ContenderProcess {
    private ContenderProcess() {
    }

    /**
     * The settings every contender of a size gets; with {@code checksOff} refheap's processes run
     * with {@code -Drefheap.disableChecks=true} (the per-call validation off; the JVM contenders are
     * unchanged).
     */
    public record Settings(int burst, long gapNanos, long budgetNanos, int warmupEvents, long seed, boolean checksOff) {
    }

    /** The JVM flags {@code c}'s process gets from the settings, beyond its own. */
    static List<String> settingsFlags(Contender c, Settings s) {
        return s.checksOff && c.onRefheap() ? List.of("-Drefheap.disableChecks=true") : List.of();
    }

    /** The command that runs {@code c}; its output, log and result go to {@code dir}. */
    static List<String> command(Contender c, Path stream, Settings s, Path dir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(c.jvmFlags());
        cmd.addAll(settingsFlags(c, s));
        cmd.add("-Xlog:safepoint=info:file=" + dir.resolve(c.key + ".safepoints.log") + ":none");
        cmd.add("-Xlog:gc=info:file=" + dir.resolve(c.key + ".gc.log") + ":uptime");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(ContenderMain.class.getName());
        cmd.addAll(List.of("--stream", stream.toString(), "--contender", c.key, "--burst", Integer.toString(s.burst),
                "--gap", Long.toString(s.gapNanos), "--budget", Long.toString(s.budgetNanos),
                "--warmup", Integer.toString(s.warmupEvents), "--seed", Long.toString(s.seed),
                "--result", dir.resolve(c.key + ".properties").toString(),
                "--safepoint-log", dir.resolve(c.key + ".safepoints.log").toString(),
                "--gc-log", dir.resolve(c.key + ".gc.log").toString()));
        return cmd;
    }

    /** This JVM's class path; under surefire the real one, not its booter jar. */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** The flags {@code c}'s process runs with, as printed beside its results. */
    public static String flags(Contender c) {
        List<String> f = new ArrayList<>(c.jvmFlags());
        return f.isEmpty() ? "(JVM defaults)" : String.join(" ", f);
    }

    /** Runs {@code c} over the stream in {@code stream}; throws with its output when the process fails. */
    public static RunResult run(Contender c, Path stream, Settings s, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path log = dir.resolve(c.key + ".log");
        Path result = dir.resolve(c.key + ".properties");
        Files.deleteIfExists(result);
        Files.deleteIfExists(dir.resolve(c.key + ".safepoints.log"));
        Files.deleteIfExists(dir.resolve(c.key + ".gc.log"));
        Process p = new ProcessBuilder(command(c, stream, s, dir)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        int exit = p.waitFor();
        if (exit != 0 || !Files.exists(result)) {
            List<String> lines = Files.readAllLines(log);
            throw new IOException("contender " + c.key + " exited with " + exit + "; last lines of " + log + ":\n  "
                    + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(result)) {
            props.load(in);
        }
        return RunResult.fromProperties(props);
    }
}
