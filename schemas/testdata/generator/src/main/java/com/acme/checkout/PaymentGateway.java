package com.acme.checkout;

public interface PaymentGateway {
    String authorize(String cardToken, long amountCents) throws PaymentDeclinedException;
}
