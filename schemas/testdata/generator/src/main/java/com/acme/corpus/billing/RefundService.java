package com.acme.corpus.billing;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

public class RefundService {
    private final Map<UUID, BigDecimal> refunded = new HashMap<>();

    public void refund(String paymentId, BigDecimal euros) {
        UUID payment = UUID.fromString(paymentId);
        refunded.merge(payment, euros, BigDecimal::add);
    }
}
