package com.acme.corpus.shipping;

import java.util.List;

/** Adds a packing slip to a parcel's items, which may be an immutable List.of(...). */
public class ParcelBuilder {
    public List<String> withPackingSlip(List<String> items, String slipId) {
        items.add(slipId);
        return items;
    }
}
