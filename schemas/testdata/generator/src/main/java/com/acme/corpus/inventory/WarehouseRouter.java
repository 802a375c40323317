package com.acme.corpus.inventory;

import java.util.Map;

/** Picks a warehouse by the first digit of the zip code; an unmapped digit is a NullPointerException. */
public class WarehouseRouter {
    private final Map<Character, Integer> warehouseByZipPrefix;

    public WarehouseRouter(Map<Character, Integer> warehouseByZipPrefix) {
        this.warehouseByZipPrefix = warehouseByZipPrefix;
    }

    public int route(String zip) {
        return warehouseByZipPrefix.get(zip.charAt(0));
    }
}
