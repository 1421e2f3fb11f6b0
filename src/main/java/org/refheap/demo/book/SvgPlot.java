package org.refheap.demo.book;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A percentile plot of every contender's latency at one venue size, written as SVG by hand. The x axis is HdrHistogram's
 * usual one: x = log10(1 / (1 - percentile)), so 0%, 90%, 99%, 99.9% ... sit at equal distances and
 * the tail gets the room; the y axis is logarithmic too, because the contenders differ by orders of
 * magnitude at the tail.
 */
public final class SvgPlot {
    /** One colour per contender, in {@link Contender} order: reds for refheap, blues and greens for the JVM. */
    private static final String[] COLORS = {"#7f7f7f", "#d62728", "#ff7f0e", "#e377c2", "#8c564b", "#1f77b4",
        "#17becf", "#2ca02c", "#bcbd22", "#9467bd"};
    /** 0% .. 99.999%. */
    private static final int NINES = 5;
    private static final int W = 900, H = 560, LEFT = 90, RIGHT = 30, TOP = 60, BOTTOM = 70;

    private SvgPlot() {
    }

    /** One plot: every contender of one venue size. */
    public static void write(Path file, String title, List<RunResult> results) throws IOException {
        writeStacked(file, List.of(title), List.of(results));
    }

    /** One panel per venue size, stacked: {@code titles.get(i)} over {@code panels.get(i)}. */
    public static void writeStacked(Path file, List<String> titles, List<List<RunResult>> panels) throws IOException {
        if (titles.size() != panels.size() || panels.isEmpty()) {
            throw new IllegalArgumentException("one title per panel, at least one: " + titles.size() + " titles, "
                    + panels.size() + " panels");
        }
        int h = H * panels.size();
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">%n", W, h, W, h));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, h));
        for (int i = 0; i < panels.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<g transform=\"translate(0 %d)\">%n", i * H));
            panel(svg, titles.get(i), panels.get(i));
            svg.append("</g>\n");
        }
        svg.append("</svg>\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, svg);
    }

    private static void panel(StringBuilder svg, String title, List<RunResult> results) {
        long lo = Long.MAX_VALUE;
        long hi = 1;
        for (RunResult r : results) {
            lo = Math.min(lo, Math.max(1, r.latency().getValueAtPercentile(0)));
            hi = Math.max(hi, r.latency().getMaxValue());
        }
        int yMin = (int) Math.floor(Math.log10(lo));
        int yMax = Math.max(yMin + 1, (int) Math.ceil(Math.log10(hi)));

        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"30\" font-size=\"16\" text-anchor=\"middle\">%s</text>%n",
                W / 2, escape(title)));

        // Grid and labels: a line per decade of latency, one per nine of percentile.
        for (int d = yMin; d <= yMax; d++) {
            double y = y(d, yMin, yMax);
            svg.append(line(LEFT, y, W - RIGHT, y, "#dddddd"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 8, y + 4, Units.nanos((long) Math.pow(10, d))));
        }
        String[] xLabels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
        for (int k = 0; k <= NINES; k++) {
            double x = x(k);
            svg.append(line(x, TOP, x, H - BOTTOM, "#dddddd"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x, H - BOTTOM + 20, xLabels[k]));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
                (LEFT + W - RIGHT) / 2, H - BOTTOM + 45));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\">"
                + "latency per event</text>%n", (TOP + H - BOTTOM) / 2));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#333333\"/>%n", LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM));

        // One curve per contender: the value at 400 points along the x axis.
        for (int m = 0; m < results.size(); m++) {
            Histogram h = results.get(m).latency();
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i <= 400; i++) {
                double nines = NINES * i / 400.0;
                double pct = 100 * (1 - Math.pow(10, -nines));
                long v = Math.max(1, h.getValueAtPercentile(pct));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(nines), y(Math.log10(v), yMin, yMax)));
            }
            String color = COLORS[results.get(m).contender().ordinal() % COLORS.length];
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"/>%n", color, pts.toString().trim()));
            // Legend, top left, inside the frame.
            double ly = TOP + 18 + 17 * m;
            svg.append(line(LEFT + 15, ly - 4, LEFT + 45, ly - 4, color).replace("stroke-width=\"1\"",
                    "stroke-width=\"3\""));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\">%s (max %s)</text>%n", LEFT + 52, ly,
                    escape(results.get(m).contender().label), Units.nanos(h.getMaxValue())));
        }
    }

    private static double x(double nines) {
        return LEFT + (W - LEFT - RIGHT) * nines / NINES;
    }

    private static double y(double log10, int yMin, int yMax) {
        return H - BOTTOM - (H - TOP - BOTTOM) * (log10 - yMin) / (yMax - yMin);
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                + "stroke-width=\"1\"/>%n", x1, y1, x2, y2, color);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
