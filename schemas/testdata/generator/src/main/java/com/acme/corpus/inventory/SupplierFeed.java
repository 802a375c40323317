package com.acme.corpus.inventory;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Imports supplier feed rows; a bad date skips the feed with a WARN that carries the exception. */
public class SupplierFeed {
    private static final Logger log = LoggerFactory.getLogger(SupplierFeed.class);

    public void importRow(String feedId, String sku, String status, String restockDate) {
        try {
            StockStatus.valueOf(status);
            LocalDate.parse(restockDate);
        } catch (DateTimeParseException ex) {
            log.warn("Supplier feed {} skipped at SKU {}", feedId, sku, ex);
        }
    }
}
