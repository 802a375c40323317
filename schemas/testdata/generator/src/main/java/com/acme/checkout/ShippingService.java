package com.acme.checkout;

import java.io.IOException;
import java.io.UncheckedIOException;

public class ShippingService {
    private final ShippingClient client;

    public ShippingService(ShippingClient client) {
        this.client = client;
    }

    public long quote(String zip) {
        try {
            return client.quoteCents(zip);
        } catch (IOException e) {
            throw new UncheckedIOException("Shipping quote unavailable for zip " + zip, e);
        }
    }
}
