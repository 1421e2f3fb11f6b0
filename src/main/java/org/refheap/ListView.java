package org.refheap;

/**
 * A reusable flyweight over a list's address: {@code view.wrap(addr).size()}. It holds no
 * reference; the list must be kept alive by someone else while the view is used.
 */
public final class ListView {
    private final Lists lists;
    private long list;

    public ListView(Heap heap) {
        this.lists = heap.lists();
    }

    /** Points this view at {@code list} (checked to be a live list) and returns it. */
    public ListView wrap(long list) {
        lists.size(list);
        this.list = list;
        return this;
    }

    public long address() {
        return list;
    }

    public long size() {
        return lists.size(list);
    }

    public long get(long index) {
        return lists.get(list, index);
    }

    public ListView set(long index, long value) {
        lists.set(list, index, value);
        return this;
    }

    public ListView append(long value) {
        lists.append(list, value);
        return this;
    }
}
