package com.acme.checkout;

/**
 * Places orders. In the fixtures it is called through a generated subclass
 * named like Spring's CGLIB proxies (OrderService$$SpringCGLIB$$0).
 */
public class OrderService {
    private final PaymentClient payments;

    public OrderService(PaymentClient payments) {
        this.payments = payments;
    }

    public String placeOrder(long orderId, String customerId) {
        if (orderId <= 0) {
            throw new IllegalArgumentException("order id must be positive");
        }
        return payments.charge(orderId, customerId);
    }
}
