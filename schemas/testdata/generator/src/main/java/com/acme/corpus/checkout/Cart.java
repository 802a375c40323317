package com.acme.corpus.checkout;

import java.math.BigDecimal;
import java.util.List;

public record Cart(String id, String couponCode, List<CartLine> lines, Address address) {
    public BigDecimal subtotal() {
        return lines.stream().map(CartLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
