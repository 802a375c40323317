package com.acme.checkout;

import java.io.UncheckedIOException;

public class CheckoutService {
    private final ShippingService shipping;

    public CheckoutService(ShippingService shipping) {
        this.shipping = shipping;
    }

    public long checkout(String cartId, String zip) {
        try {
            return 1_999 + shipping.quote(zip);
        } catch (UncheckedIOException e) {
            throw new CheckoutException("Checkout failed for cart " + cartId, e);
        }
    }
}
