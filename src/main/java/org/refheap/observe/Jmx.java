package org.refheap.observe;

import javax.management.JMException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** The JMX side, loaded only when a heap's MXBean is registered (so refheap runs without java.management). */
final class Jmx {
    private Jmx() {
    }

    /** Registers {@code s} as {@code org.refheap:type=Heap,id=<id>} with the platform MBean server. */
    static ObjectName register(HeapState s) {
        try {
            ObjectName name = new ObjectName("org.refheap:type=Heap,id=" + s.id);
            ManagementFactory.getPlatformMBeanServer().registerMBean(s, name);
            return name;
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the MXBean of heap #" + s.id + ": " + e, e);
        }
    }

    /** Never throws: called from Heap.close(), which must go on to unmap the heap. */
    static void unregister(ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException | RuntimeException e) {
            // already unregistered by someone else, or the server refuses: nothing left to do here
        }
    }
}
