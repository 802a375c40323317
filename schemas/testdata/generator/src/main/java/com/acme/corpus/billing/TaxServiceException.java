package com.acme.corpus.billing;

public class TaxServiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TaxServiceException(String message) {
        super(message);
    }

    public TaxServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
