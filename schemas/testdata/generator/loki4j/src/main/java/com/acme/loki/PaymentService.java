package com.acme.loki;

final class PaymentService {
    void charge(String order, int cents) {
        try {
            call(order);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("payment declined for order " + order, e);
        }
    }

    private void call(String order) throws java.io.IOException {
        throw new java.net.SocketTimeoutException("read timed out after 3000 ms");
    }
}
