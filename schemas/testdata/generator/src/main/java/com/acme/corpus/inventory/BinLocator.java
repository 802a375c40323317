package com.acme.corpus.inventory;

import java.util.List;

/** Maps a bin code like "A-7" to a slot; an out-of-range index fails in List.get. */
public class BinLocator {
    private final List<String> slots;

    public BinLocator(List<String> slots) {
        this.slots = slots;
    }

    public String slot(String binCode) {
        int index = Integer.parseInt(binCode.substring(binCode.indexOf('-') + 1));
        return slots.get(index);
    }
}
