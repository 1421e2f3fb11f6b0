/**
 * objgraph for refheap: type counts and growth, reference chains, Graphviz pictures, and what objgraph
 * lacks: exact roots, {@code whyAlive} and retained sizes (dominators).
 *
 * <h2>The door into the heap</h2>
 * Public API only ({@link org.refheap.Gc#getObjects()}, {@link org.refheap.Gc#getReferents},
 * {@link org.refheap.Heap#getrefcount}, the heap's per-type figures), plus
 * {@link org.refheap.ObjectSizes#sizeof} for the bytes an object holds. {@link org.refheap.graph.RefGraph}
 * indexes the graph both ways in one pass (O(V + E)); every query on it is a BFS or, for retained
 * sizes, Cooper, Harvey and Kennedy's iterative dominator algorithm (2001) from a virtual root whose
 * successors are the objects held from Java.
 *
 * <h2>Conventions</h2>
 * objgraph's names in camelCase; objects are addresses; chains are arrays, root or start first. The
 * graph holds the collector's tracked objects and everything they reference (atoms and untracked
 * tuples included), plus objects passed in; frozen objects and immortals are left out. Owner thread
 * only; a {@code RefGraph} is a snapshot, stale once the heap changes.
 */
package org.refheap.graph;
