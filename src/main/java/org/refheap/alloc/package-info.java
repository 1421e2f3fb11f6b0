/**
 * The obmalloc layer: arenas of 1 MiB, pools of 16 KiB, 32 size classes of 16 bytes up to 512,
 * page runs and multi-arena runs for larger requests. Blocks are {@code long} addresses, never
 * objects. Not thread safe; the heap that owns an allocator is confined to one thread.
 */
package org.refheap.alloc;
