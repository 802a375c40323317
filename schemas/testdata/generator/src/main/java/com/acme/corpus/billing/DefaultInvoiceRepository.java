package com.acme.corpus.billing;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

public class DefaultInvoiceRepository implements InvoiceRepository {
    private final Map<String, List<BigDecimal>> lines;

    public DefaultInvoiceRepository(Map<String, List<BigDecimal>> lines) {
        this.lines = lines;
    }

    @Override
    public List<BigDecimal> lines(String invoiceNo) {
        List<BigDecimal> found = lines.getOrDefault(invoiceNo, List.of());
        if (found.isEmpty()) {
            throw new IllegalStateException("Invoice " + invoiceNo + " has no lines");
        }
        return found;
    }
}
