package com.acme.checkout;

import java.util.List;

/** Sums cart lines of the form "SKU x quantity" with a stream. */
public final class CartTotals {
    private CartTotals() {}

    public static int totalQuantity(List<String> lines) {
        return lines.stream()
                .map(String::trim)
                .mapToInt(line -> Integer.parseInt(line.substring(line.indexOf('x') + 1).trim()))
                .sum();
    }
}
