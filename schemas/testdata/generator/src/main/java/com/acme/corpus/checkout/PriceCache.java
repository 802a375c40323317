package com.acme.corpus.checkout;

import java.math.BigDecimal;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;

/** Loads prices lazily; the loading lambda throws for an unknown SKU. */
public class PriceCache {
    private final Map<String, String> catalog;
    private final Map<String, BigDecimal> prices = new ConcurrentHashMap<>();

    public PriceCache(Map<String, String> catalog) {
        this.catalog = catalog;
    }

    public BigDecimal price(String sku) {
        return prices.computeIfAbsent(sku, key -> {
            String raw = catalog.get(key);
            if (raw == null) {
                throw new NoSuchElementException("No price for SKU " + key);
            }
            return new BigDecimal(raw);
        });
    }
}
