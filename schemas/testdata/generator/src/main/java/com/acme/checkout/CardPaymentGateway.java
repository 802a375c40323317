package com.acme.checkout;

public class CardPaymentGateway implements PaymentGateway {
    @Override
    public String authorize(String cardToken, long amountCents) throws PaymentDeclinedException {
        if (amountCents > 50_000) {
            throw new PaymentDeclinedException("Card declined: insufficient funds (code 51)");
        }
        return "auth-" + cardToken;
    }
}
