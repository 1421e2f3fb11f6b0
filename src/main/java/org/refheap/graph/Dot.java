package org.refheap.graph;

import org.refheap.Heap;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Graphviz DOT for objgraph's pictures: one node per object (type, a short repr, refcount, and for a
 * root the references held from Java), targets highlighted, at most {@link #TOO_MANY} edges followed
 * per node. A file ending in {@code .svg} or {@code .png} is rendered with {@code dot} when it is on
 * the PATH; otherwise the {@code .dot} text is written beside it and the result says so.
 */
public final class Dot {
    /** Edges followed per node before the rest are summarised ("... 90 more"). */
    public static final int TOO_MANY = 10;

    private Dot() {
    }

    /** What was written: the DOT file, the rendered picture (or null) and a sentence for the user. */
    public record Result(Path dotFile, Path picture, String message) {
    }

    static Result write(Heap heap, RefGraph g, long[] targets, int maxDepth, boolean forward, Path file) {
        StringBuilder sb = header(forward ? "refs" : "backrefs");
        Set<Long> targetSet = new HashSet<>();
        for (long t : targets) {
            targetSet.add(t);
        }
        Map<Long, Integer> depth = new HashMap<>();
        ArrayDeque<Long> queue = new ArrayDeque<>();
        for (long t : targets) {
            depth.put(t, 0);
            queue.add(t);
        }
        while (!queue.isEmpty()) {
            long o = queue.poll();
            node(sb, heap, g, o, targetSet.contains(o));
            int d = depth.get(o);
            if (d >= maxDepth || !forward && g.externalRefs(o) > 0 && !targetSet.contains(o)) {
                continue; // objgraph stops at modules; we stop at objects held from Java
            }
            long[] next = forward ? g.referents(o) : g.referrers(o);
            int shown = 0;
            for (long x : next) {
                if (shown == TOO_MANY) {
                    sb.append("  ").append(id(o)).append("_more [label=\"... ").append(next.length - TOO_MANY)
                            .append(" more\", shape=plaintext];\n  ").append(forward ? id(o) + " -> " + id(o) + "_more"
                                    : id(o) + "_more -> " + id(o)).append(";\n");
                    break;
                }
                shown++;
                sb.append("  ").append(forward ? id(o) + " -> " + id(x) : id(x) + " -> " + id(o)).append(";\n");
                if (!depth.containsKey(x)) {
                    depth.put(x, d + 1);
                    queue.add(x);
                }
            }
        }
        sb.append("}\n");
        return render(sb.toString(), file);
    }

    static Result chain(Heap heap, RefGraph g, long[] chain, Path file) {
        StringBuilder sb = header("chain");
        for (int i = 0; i < chain.length; i++) {
            node(sb, heap, g, chain[i], i == chain.length - 1);
            if (i > 0) {
                sb.append("  ").append(id(chain[i - 1])).append(" -> ").append(id(chain[i])).append(";\n");
            }
        }
        sb.append("}\n");
        return render(sb.toString(), file);
    }

    private static StringBuilder header(String name) {
        return new StringBuilder("digraph ").append(name)
                .append(" {\n  node [shape=box, style=filled, fillcolor=white, fontname=\"Helvetica\", fontsize=10];\n");
    }

    private static String id(long o) {
        return "o" + Long.toHexString(o);
    }

    private static void node(StringBuilder sb, Heap heap, RefGraph g, long o, boolean target) {
        String type = heap.typeOf(o).name();
        long ext = g.externalRefs(o);
        String label = type + "\\n" + escape(shortRepr(heap, o, type)) + "\\nrefcount " + heap.getrefcount(o)
                + (ext > 0 ? "\\nheld from Java: " + ext : "");
        String color = target ? "\"#ff9966\"" : ext > 0 ? "\"#99ccff\"" : "white";
        sb.append("  ").append(id(o)).append(" [label=\"").append(label).append("\", fillcolor=").append(color).append("];\n");
    }

    /** A short repr: the value of an atom, the length of a container, the address otherwise. */
    static String shortRepr(Heap heap, long o, String type) {
        String r = switch (type) {
            case "int" -> Long.toString(heap.intValue(o));
            case "float" -> Double.toString(heap.floatValue(o));
            case "str" -> "'" + heap.strValue(o) + "'";
            case "list" -> "len " + heap.lists().size(o);
            case "dict" -> "len " + heap.dicts().size(o);
            case "tuple" -> "len " + heap.tuples().size(o);
            default -> "0x" + Long.toHexString(o);
        };
        return r.length() > 40 ? r.substring(0, 37) + "..." : r;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static Result render(String dot, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            String name = file.getFileName().toString();
            int dotAt = name.lastIndexOf('.');
            String ext = dotAt < 0 ? "" : name.substring(dotAt + 1);
            if (ext.equals("dot") || ext.equals("gv")) {
                Files.writeString(file, dot);
                return new Result(file, null, "wrote " + file);
            }
            Path dotFile = file.resolveSibling((dotAt < 0 ? name : name.substring(0, dotAt)) + ".dot");
            Files.writeString(dotFile, dot);
            if (!ext.equals("svg") && !ext.equals("png") && !ext.equals("pdf")) {
                throw new IllegalArgumentException("cannot render '" + name + "': use .svg, .png, .pdf or .dot");
            }
            Path exe = findDot();
            if (exe == null) {
                return new Result(dotFile, null, "Graphviz 'dot' is not installed (not on the PATH), so " + file
                        + " was not drawn; the graph is in " + dotFile + " (install graphviz, then: dot -T" + ext
                        + " " + dotFile + " -o " + file + ")");
            }
            Process p = new ProcessBuilder(exe.toString(), "-T" + ext, dotFile.toString(), "-o", file.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            int rc = p.waitFor();
            if (rc != 0) {
                return new Result(dotFile, null, "dot failed (exit " + rc + "): " + out.trim() + "; the graph is in " + dotFile);
            }
            return new Result(dotFile, file, "drew " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the graph to " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dot ran", e);
        }
    }

    /** The {@code dot} executable on the PATH, or null. */
    static Path findDot() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "dot");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
