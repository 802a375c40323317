package com.acme.corpus.billing;

import java.math.BigDecimal;

/** Closes invoices; given its repository either directly or through the TracingProxy. */
public class InvoiceService {
    private final InvoiceRepository invoices;

    public InvoiceService(InvoiceRepository invoices) {
        this.invoices = invoices;
    }

    public BigDecimal close(String invoiceNo) {
        return invoices.lines(invoiceNo).stream().reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
