package com.acme.loki;

/** Two bugs: a declined payment (thrown in PaymentService) and an unknown SKU. */
final class OrderService {
    private final PaymentService payments = new PaymentService();

    void place(String order, int cents) {
        payments.charge(order, cents);
    }

    void reserve(String sku) {
        throw new IllegalArgumentException("unknown sku " + sku);
    }
}
