package com.acme.corpus.checkout;

import java.math.BigDecimal;

public record CartLine(String sku, int quantity, BigDecimal amount) {}
