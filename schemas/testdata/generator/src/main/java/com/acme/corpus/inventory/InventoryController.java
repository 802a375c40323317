package com.acme.corpus.inventory;

import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The inventory service's entry points; each logs what it catches. */
public class InventoryController {
    private static final Logger log = LoggerFactory.getLogger(InventoryController.class);

    private final CategoryTree categories;
    private final StockRuleEvaluator rules;
    private final BinLocator bins;
    private final ReservationSweeper sweeper;
    private final AttributeReader attributes;
    private final WarehouseRouter router;

    public InventoryController(CategoryTree categories, StockRuleEvaluator rules, BinLocator bins,
            ReservationSweeper sweeper, AttributeReader attributes, WarehouseRouter router) {
        this.categories = categories;
        this.rules = rules;
        this.bins = bins;
        this.sweeper = sweeper;
        this.attributes = attributes;
        this.router = router;
    }

    public void showCategory(int categoryId) {
        try {
            categories.depthOf(categoryId);
        } catch (IllegalStateException ex) {
            log.error("Category {} could not be placed in the tree", categoryId, ex);
        }
    }

    public void reorderPoint(String sku, StockRule rule) {
        try {
            rules.eval(rule);
        } catch (ArithmeticException ex) {
            log.error("Reorder rule for SKU {} failed", sku, ex);
        }
    }

    public void locate(String sku, String binCode) {
        try {
            bins.slot(binCode);
        } catch (IndexOutOfBoundsException ex) {
            log.error("Bin {} for SKU {} does not exist", binCode, sku, ex);
        }
    }

    public void sweep(String warehouse, List<Long> expiriesMillis, long nowMillis) {
        try {
            sweeper.sweep(expiriesMillis, nowMillis);
        } catch (RuntimeException ex) {
            log.error("Reservation sweep of warehouse {} failed", warehouse, ex);
        }
    }

    public void updateProduct(String sku, Map<String, Object> productAttributes) {
        try {
            attributes.packSize(productAttributes);
        } catch (ClassCastException ex) {
            log.error("Product {} has unreadable attributes", sku, ex);
        }
    }

    public void setStatus(String sku, String status) {
        try {
            StockStatus.valueOf(status);
        } catch (IllegalArgumentException ex) {
            log.error("Status update for SKU {} rejected", sku, ex);
        }
    }

    public void allocate(long orderId, String zip) {
        try {
            router.route(zip);
        } catch (NullPointerException ex) {
            log.error("No warehouse for order {}", orderId, ex);
        }
    }
}
