package com.acme.checkout;

public class InventoryException extends RuntimeException {
    public InventoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
