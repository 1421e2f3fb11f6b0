package org.refheap;

/**
 * A reusable flyweight over a dict's address. It holds no reference; the dict must be kept alive by
 * someone else while the view is used.
 */
public final class DictView {
    private final Dicts dicts;
    private long dict;

    /**
     * A view pointing at nothing yet: call {@link #wrap(long)} first.
     *
     * @param heap the heap whose dicts it views
     */
    public DictView(Heap heap) {
        this.dicts = heap.dicts();
    }

    /** Points this view at {@code dict} (checked to be a live dict) and returns it. */
    public DictView wrap(long dict) {
        dicts.size(dict);
        this.dict = dict;
        return this;
    }

    /**
     * The dict this view points at.
     *
     * @return its address (borrowed)
     */
    public long address() {
        return dict;
    }

    /**
     * The number of items in the dict.
     *
     * @return its item count
     */
    public long size() {
        return dicts.size(dict);
    }

    /** The value for {@code key} (borrowed), or 0 when absent. */
    public long get(long key) {
        return dicts.get(dict, key);
    }

    /**
     * Stores {@code value} under {@code key}, as {@link Dicts#put} does (both increfed).
     *
     * @param key   a live hashable object
     * @param value a live object
     * @return this view
     */
    public DictView put(long key, long value) {
        dicts.put(dict, key, value);
        return this;
    }

    /**
     * Removes {@code key} and its value, as {@link Dicts#remove} does.
     *
     * @param key a live hashable object
     * @return true if the key was present
     */
    public boolean remove(long key) {
        return dicts.remove(dict, key);
    }

    /** The value for the int key {@code key} (borrowed), or 0; makes no key object. */
    public long getInt(long key) {
        return dicts.getInt(dict, key);
    }

    /** {@link Dicts#putInt}. @param key the int key's value @param value the value (incref'd) @return this view */
    public DictView putInt(long key, long value) {
        dicts.putInt(dict, key, value);
        return this;
    }

    /** {@link Dicts#removeInt}. @param key the int key's value @return whether it was present */
    public boolean removeInt(long key) {
        return dicts.removeInt(dict, key);
    }

    /** The value for the str key {@code key} (borrowed), or 0; makes no key object. */
    public long getStr(CharSequence key) {
        return dicts.getStr(dict, key);
    }

    /** {@link Dicts#putStr}. @param key the text of the str key @param value the value (incref'd) @return this view */
    public DictView putStr(CharSequence key, long value) {
        dicts.putStr(dict, key, value);
        return this;
    }

    /** {@link Dicts#removeStr(long, CharSequence)}. @param key the text of the str key @return whether it was present */
    public boolean removeStr(CharSequence key) {
        return dicts.removeStr(dict, key);
    }
}
