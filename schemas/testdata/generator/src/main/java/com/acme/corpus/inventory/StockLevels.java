package com.acme.corpus.inventory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Checks stock counts after a sync; one logger, two templates, no exception. */
public class StockLevels {
    private static final Logger log = LoggerFactory.getLogger(StockLevels.class);

    public void check(String sku, int onHand, int binCapacity) {
        if (onHand < 0) {
            log.error("Stock level for SKU {} went negative: {}", sku, onHand);
        } else if (onHand > binCapacity) {
            log.error("Stock level for SKU {} exceeds the bin capacity of {}: {}", sku, binCapacity, onHand);
        }
    }
}
