package com.acme.corpus.billing;

import java.math.BigDecimal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Compares invoice totals with the ledger; a mismatch is a WARN without an exception. */
public class InvoiceAuditor {
    private static final Logger log = LoggerFactory.getLogger(InvoiceAuditor.class);

    public void audit(String invoiceNo, BigDecimal invoiceTotal, BigDecimal ledgerTotal) {
        if (invoiceTotal.compareTo(ledgerTotal) != 0) {
            log.warn("Invoice {} total {} differs from ledger total {}", invoiceNo, invoiceTotal, ledgerTotal);
        }
    }
}
