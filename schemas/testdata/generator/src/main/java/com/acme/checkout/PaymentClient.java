package com.acme.checkout;

import java.io.IOException;
import java.net.SocketTimeoutException;

/** Charges cards through the payment service over HTTP. */
public class PaymentClient {
    private final HttpTransport transport;

    public PaymentClient(HttpTransport transport) {
        this.transport = transport;
    }

    public String charge(long orderId, String customerId) {
        try {
            return transport.post("/v1/charges", "{\"order\":" + orderId + ",\"customer\":\"" + customerId + "\"}");
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("Payment gateway timed out for order " + orderId, e);
        } catch (IOException e) {
            throw new IllegalStateException("Payment gateway unreachable", e);
        }
    }
}
