package org.refheap.leak;

import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.refheap.Heap;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * JUnit 5: {@code @ExtendWith(LeakCheckExtension.class)} checks every open {@link Heap} held in a field
 * of the test instance (set up by {@code @BeforeEach}): a {@link LeakCheck} begins right before the
 * test method and ends right after it (before {@code @AfterEach}), failing the test with the report
 * if the heap holds more live objects than before. Needs junit-jupiter-api on the class path (an
 * optional dependency of refheap).
 */
public final class LeakCheckExtension implements BeforeTestExecutionCallback, AfterTestExecutionCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheckExtension.class);

    @Override
    public void beforeTestExecution(ExtensionContext context) throws IllegalAccessException {
        List<LeakCheck> checks = new ArrayList<>();
        for (Heap heap : heaps(context.getRequiredTestInstance())) {
            checks.add(LeakCheck.begin(heap));
        }
        context.getStore(NS).put("checks", checks);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterTestExecution(ExtensionContext context) {
        List<LeakCheck> checks = (List<LeakCheck>) context.getStore(NS).remove("checks");
        if (checks == null || context.getExecutionException().isPresent()) {
            for (LeakCheck c : checks == null ? List.<LeakCheck>of() : checks) {
                try {
                    c.end(); // stops tracing; a failed test's leftovers are not reported on top of its failure
                } catch (LeakError ignored) {
                    // the test already failed
                }
            }
            return;
        }
        LeakError first = null;
        for (LeakCheck c : checks) {
            try {
                c.end();
            } catch (LeakError e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static List<Heap> heaps(Object instance) throws IllegalAccessException {
        List<Heap> out = new ArrayList<>();
        for (Class<?> c = instance.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Heap.class.isAssignableFrom(f.getType()) && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    Heap h = (Heap) f.get(instance);
                    if (h != null && !h.isClosed()) {
                        out.add(h);
                    }
                }
            }
        }
        return out;
    }
}
