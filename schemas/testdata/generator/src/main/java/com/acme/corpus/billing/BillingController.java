package com.acme.corpus.billing;

import java.math.BigDecimal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The billing service's entry points; each logs what it catches. */
public class BillingController {
    private static final Logger log = LoggerFactory.getLogger(BillingController.class);

    private final InvoiceService invoices;
    private final LedgerService ledger;
    private final TaxService taxes;
    private final CurrencyConverter converter;
    private final RefundService refunds;

    public BillingController(InvoiceService invoices, LedgerService ledger, TaxService taxes,
            CurrencyConverter converter, RefundService refunds) {
        this.invoices = invoices;
        this.ledger = ledger;
        this.taxes = taxes;
        this.converter = converter;
        this.refunds = refunds;
    }

    public void closeInvoice(String invoiceNo) {
        try {
            invoices.close(invoiceNo);
        } catch (IllegalStateException ex) {
            log.error("Closing invoice {} failed", invoiceNo, ex);
        }
    }

    public void postEntry(String entity, String period, BigDecimal amount) {
        try {
            ledger.post(entity, period, amount);
        } catch (RuntimeException ex) {
            log.error("Posting {} to the {} ledger failed", amount, entity, ex);
        }
    }

    public void taxFor(long orderId, String region) {
        try {
            taxes.rate(region);
        } catch (TaxServiceException ex) {
            log.error("Tax calculation failed for order {}", orderId, ex);
        }
    }

    /** One catch block and one template for IllegalArgumentExceptions from two places. */
    public void refund(String refundId, String paymentId, BigDecimal amount, String currencyCode) {
        try {
            refunds.refund(paymentId, converter.toEuro(amount, currencyCode));
        } catch (IllegalArgumentException ex) {
            log.error("Refund {} failed", refundId, ex);
        }
    }
}
