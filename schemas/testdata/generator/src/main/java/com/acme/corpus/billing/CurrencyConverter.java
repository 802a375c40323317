package com.acme.corpus.billing;

import java.math.BigDecimal;
import java.util.Currency;
import java.util.Map;

public class CurrencyConverter {
    private final Map<String, BigDecimal> euroRates;

    public CurrencyConverter(Map<String, BigDecimal> euroRates) {
        this.euroRates = euroRates;
    }

    public BigDecimal toEuro(BigDecimal amount, String currencyCode) {
        Currency currency = Currency.getInstance(currencyCode);
        return amount.multiply(euroRates.getOrDefault(currency.getCurrencyCode(), BigDecimal.ONE));
    }
}
