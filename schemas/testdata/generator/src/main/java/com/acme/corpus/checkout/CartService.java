package com.acme.corpus.checkout;

import java.math.BigDecimal;
import java.util.Map;

/** Cart arithmetic; both methods throw NullPointerException, from different lines of code. */
public class CartService {
    private final Map<String, Coupon> coupons;
    private final Map<String, Integer> weightsInGrams;

    public CartService(Map<String, Coupon> coupons, Map<String, Integer> weightsInGrams) {
        this.coupons = coupons;
        this.weightsInGrams = weightsInGrams;
    }

    public BigDecimal applyCoupon(Cart cart) {
        Coupon coupon = coupons.get(cart.couponCode());
        BigDecimal off = cart.subtotal().multiply(BigDecimal.valueOf(coupon.percent())).movePointLeft(2);
        return cart.subtotal().subtract(off);
    }

    public int totalWeightGrams(Cart cart) {
        int total = 0;
        for (CartLine line : cart.lines()) {
            Integer grams = weightsInGrams.get(line.sku());
            total += grams * line.quantity();
        }
        return total;
    }
}
