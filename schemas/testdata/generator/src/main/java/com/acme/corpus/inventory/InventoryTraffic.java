package com.acme.corpus.inventory;

import com.acme.corpus.platform.Dispatcher;
import com.acme.corpus.shared.ConfigReloader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The inventory service's failing requests, B23 to B33 (see corpus/README.md). */
public final class InventoryTraffic {
    private static final String SERVICE = "inventory";

    private InventoryTraffic() {}

    public static void run(Dispatcher d) {
        // Category cycles of different lengths: 1000 -> 1001 -> 1000, 2000 -> ... -> 2003 -> 2000, ...
        int[] cycleLengths = {2, 4, 7, 11};
        Map<Integer, Integer> parents = new HashMap<>();
        for (int length : cycleLengths) {
            int first = 1000 * length;
            for (int i = 0; i < length; i++) {
                parents.put(first + i, first + (i + 1) % length);
            }
        }
        InventoryController controller = new InventoryController(
                new CategoryTree(parents),
                new StockRuleEvaluator(),
                new BinLocator(List.of("A-0", "A-1", "A-2", "A-3")),
                new ReservationSweeper(),
                new AttributeReader(),
                new WarehouseRouter(Map.of('1', 1, '2', 1, '8', 2)));
        StockLevels levels = new StockLevels();
        SupplierFeed feed = new SupplierFeed();
        int build = d.build();

        // B23: direct recursion, as deep as the cycle is long.
        for (int length : cycleLengths) {
            int categoryId = 1000 * length + build % length;
            d.run(SERVICE, "B23", "recursion-depth-" + length, () -> controller.showCategory(categoryId));
        }

        // B24: mutual recursion (eval <-> evalRatio), as deep as the rule is nested.
        int[] nesting = {1, 2, 3, 5};
        for (int depth : nesting) {
            StockRule rule = new StockRule.Ratio(new StockRule.Constant(10 * depth), new StockRule.Constant(0));
            for (int i = 1; i < depth; i++) {
                rule = new StockRule.Ratio(rule, new StockRule.Constant(i + 1));
            }
            StockRule nested = rule;
            String sku = "SKU-" + (5000 + 100 * depth + build);
            d.run(SERVICE, "B24", "recursion-depth-" + depth, () -> controller.reorderPoint(sku, nested));
        }

        // B25, B26: no exception; one logger, two templates.
        int[] negative = {-1, -12, -3, -40};
        for (int i = 0; i < negative.length; i++) {
            String sku = "SKU-" + (6100 + 10 * build + i);
            int onHand = negative[i];
            d.run(SERVICE, "B25", "negative", () -> levels.check(sku, onHand, 500));
        }
        int[] overfull = {501, 640, 1200};
        for (int i = 0; i < overfull.length; i++) {
            String sku = "SKU-" + (6200 + 10 * build + i);
            int onHand = overfull[i];
            d.run(SERVICE, "B26", "over-capacity", () -> levels.check(sku, onHand, 500));
        }

        // B27: IndexOutOfBoundsException inside List.get, other indexes.
        String[] binCodes = {"A-7", "A-4", "A-12", "A-5"};
        for (int i = 0; i < binCodes.length; i++) {
            String binCode = binCodes[i];
            String sku = "SKU-" + (6300 + 10 * build + i);
            d.run(SERVICE, "B27", "bin-" + binCode, () -> controller.locate(sku, binCode));
        }

        // B28: ConcurrentModificationException, lists of different lengths.
        for (int i = 0; i < 3; i++) {
            List<Long> expiries = new ArrayList<>();
            for (int j = 0; j < 3 + 2 * i; j++) {
                expiries.add(1_000L * j);
            }
            String warehouse = "wh-" + (i + 1);
            d.run(SERVICE, "B28", "reservations-" + expiries.size(),
                    () -> controller.sweep(warehouse, expiries, 1_500L));
        }

        // B29: ClassCastException, other values.
        String[] packSizes = {"12", "6", "twelve", "24"};
        for (int i = 0; i < packSizes.length; i++) {
            Map<String, Object> attrs = Map.of("packSize", packSizes[i], "color", "red");
            String sku = "SKU-" + (6500 + 10 * build + i);
            d.run(SERVICE, "B29", "pack-" + packSizes[i], () -> controller.updateProduct(sku, attrs));
        }

        // B30: IllegalArgumentException from Enum.valueOf; the message names the typo.
        String[] typos = {"BACKORDERD", "DISCONTINUD", "ON_HLD", "in_stock"};
        for (int i = 0; i < typos.length; i++) {
            String status = typos[i];
            String sku = "SKU-" + (6600 + 10 * build + i);
            d.run(SERVICE, "B30", "status-" + status, () -> controller.setStatus(sku, status));
        }

        // B31: WARN with an exception; the message quotes the bad date. Every
        // date is well-formed but invalid, so DateTimeParseException always has
        // a DateTimeException cause (a malformed one would have none: another bug).
        String[] dates = {"2024-13-45", "2024-02-30", "2024-04-31", "2025-00-10"};
        for (int i = 0; i < dates.length; i++) {
            String date = dates[i];
            String feedId = "feed-" + (40 + i);
            String sku = "SKU-" + (6700 + 10 * build + i);
            d.run(SERVICE, "B31", "date-" + date, () -> feed.importRow(feedId, sku, "BACKORDERED", date));
        }

        // B32: NullPointerException from unboxing an unmapped zip prefix.
        String[] zips = {"40210", "50667", "60311", "99084"};
        for (int i = 0; i < zips.length; i++) {
            String zip = zips[i];
            long orderId = 700_000 + 1000L * build + i;
            d.run(SERVICE, "B32", "zip-" + zip, () -> controller.allocate(orderId, zip));
        }

        // B33: the shared ConfigReloader failing as in billing (B22), in another service.
        String[] backoffs = {"10s", "P1", "1 minute"};
        for (String backoff : backoffs) {
            ConfigReloader reloader = new ConfigReloader(Map.of("retry.backoff", backoff));
            d.run(SERVICE, "B33", "backoff-" + backoff, reloader::reload);
        }
    }
}
