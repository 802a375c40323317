package com.acme.corpus.checkout;

/**
 * Places orders. Some controllers get it through a generated subclass named
 * like Spring's CGLIB proxies (OrderService$$SpringCGLIB$$0), others directly.
 */
public class OrderService {
    private final PaymentClient payments;

    public OrderService(PaymentClient payments) {
        this.payments = payments;
    }

    public String placeOrder(long orderId, String customerId) {
        if (customerId.isBlank()) {
            throw new IllegalArgumentException("customer id is blank");
        }
        return payments.charge(orderId, customerId);
    }
}
