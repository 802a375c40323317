package com.acme.corpus.billing;

import java.math.BigDecimal;
import java.util.List;

public interface InvoiceRepository {
    List<BigDecimal> lines(String invoiceNo);
}
