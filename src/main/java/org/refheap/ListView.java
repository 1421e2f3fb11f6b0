package org.refheap;

/**
 * A reusable flyweight over a list's address: {@code view.wrap(addr).size()}. It holds no
 * reference; the list must be kept alive by someone else while the view is used.
 */
public final class ListView {
    private final Lists lists;
    private long list;

    /**
     * A view pointing at nothing yet: call {@link #wrap(long)} first.
     *
     * @param heap the heap whose lists it views
     */
    public ListView(Heap heap) {
        this.lists = heap.lists();
    }

    /** Points this view at {@code list} (checked to be a live list) and returns it. */
    public ListView wrap(long list) {
        lists.size(list);
        this.list = list;
        return this;
    }

    /**
     * The list this view points at.
     *
     * @return its address (borrowed)
     */
    public long address() {
        return list;
    }

    /**
     * The number of items in the list.
     *
     * @return its item count
     */
    public long size() {
        return lists.size(list);
    }

    /**
     * The item at {@code index}, as {@link Lists#get} returns it.
     *
     * @param index within {@code 0..size()-1}
     * @return the item (borrowed)
     */
    public long get(long index) {
        return lists.get(list, index);
    }

    /**
     * Replaces the item at {@code index}, as {@link Lists#set} does.
     *
     * @param index within {@code 0..size()-1}
     * @param value a live object (increfed; the old item decrefed)
     * @return this view
     */
    public ListView set(long index, long value) {
        lists.set(list, index, value);
        return this;
    }

    /**
     * Appends {@code value}, as {@link Lists#append} does.
     *
     * @param value a live object (increfed)
     * @return this view
     */
    public ListView append(long value) {
        lists.append(list, value);
        return this;
    }
}
