package com.acme.corpus.billing;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * Looks up tax rates. The same TaxServiceException, thrown from the same
 * place, wraps a SocketTimeoutException, wraps a ConnectException or wraps
 * nothing: three bugs.
 */
public class TaxService {
    private final TaxClient client;

    public TaxService(TaxClient client) {
        this.client = client;
    }

    public BigDecimal rate(String region) {
        String body;
        try {
            body = client.fetch(region);
        } catch (IOException e) {
            throw new TaxServiceException("Tax lookup failed for region " + region, e);
        }
        if (body.isEmpty()) {
            throw new TaxServiceException("Tax lookup failed for region " + region);
        }
        return new BigDecimal(body);
    }
}
