package org.refheap.weak;

/** The function a {@link Finalize} calls, with the arguments it was registered with. */
@FunctionalInterface
public interface FinalizeFunction {
    /**
     * Called at most once.
     *
     * @param args the arguments given to {@link Finalize#register} (borrowed: held by the finalizer
     *             until the call returns)
     */
    void call(long[] args);
}
