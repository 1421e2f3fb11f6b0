package org.refheap;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * refheap's version as built, for {@link Heap#version()}: from {@code org/refheap/version.properties},
 * which Maven's resource filtering fills with the project version, so it is right in the jar and in
 * {@code target/classes} alike; else the jar manifest's {@code Implementation-Version}.
 */
final class Version {
    static final String VERSION = load();

    private Version() {
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("${")) {
                    return v.trim();
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }
}
