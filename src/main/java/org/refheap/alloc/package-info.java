/**
 * The obmalloc layer: arenas of 1 MiB, pools of 16 KiB, 32 size classes of 16 bytes up to 512,
 * page runs and multi-arena runs for larger requests. Blocks are {@code long} addresses, never
 * objects. Not thread safe; the heap that owns an allocator is confined to one thread.
 *
 * <p>Debug support lives beside the allocator, off its fast paths: {@code ObmallocWalk} checks every
 * structure against the others ({@code Obmalloc.verify}) and lists the blocks handed out;
 * {@code Quarantine} holds freed blocks back from reuse and checks their poison when they leave.
 */
package org.refheap.alloc;
