package com.acme.corpus.checkout;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reprices carts. Each public method reaches the failing helper either
 * through a stream or forEach, or through a plain loop, depending on a flag:
 * the same code path with and without lambdas.
 */
public class CartRepricer {
    /** Through a method reference in a stream, or a loop. */
    public List<BigDecimal> unitPrices(List<CartLine> lines, boolean streamed) {
        if (streamed) {
            return lines.stream().map(CartRepricer::unitPrice).toList();
        }
        List<BigDecimal> prices = new ArrayList<>();
        for (CartLine line : lines) {
            prices.add(unitPrice(line));
        }
        return prices;
    }

    /** Through a lambda passed to forEach, or a loop. */
    public void checkDiscount(List<CartLine> lines, int percent, boolean batched) {
        if (batched) {
            lines.forEach(line -> checkLineDiscount(line, percent));
            return;
        }
        for (CartLine line : lines) {
            checkLineDiscount(line, percent);
        }
    }

    /** Exact division: a quantity of 3 or 7 has no terminating decimal expansion. */
    private static BigDecimal unitPrice(CartLine line) {
        return line.amount().divide(BigDecimal.valueOf(line.quantity()));
    }

    private static void checkLineDiscount(CartLine line, int percent) {
        if (percent < 0 || percent > 90) {
            throw new IllegalArgumentException("Discount of " + percent + "% is out of range for " + line.sku());
        }
    }
}
