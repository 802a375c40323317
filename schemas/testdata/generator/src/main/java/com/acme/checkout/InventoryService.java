package com.acme.checkout;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Reserves stock. Its audit log's close() fails, which Java records as suppressed. */
public class InventoryService {
    private final CompletableFuture<Void> stockLock = new CompletableFuture<>(); // never released

    public void reserve(String cartId, String sku, int quantity) throws IOException {
        try (AuditLog audit = new AuditLog(cartId, brokenSink())) {
            audit.record("reserve " + quantity + " x " + sku);
            lockStock(sku, quantity);
        }
    }

    private void lockStock(String sku, int quantity) {
        try {
            stockLock.get(20, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new InventoryException("Could not reserve " + quantity + " x " + sku + ": stock lock busy", e);
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A pipe whose reading end is already closed: writing to it fails with "Pipe closed". */
    private static PipedOutputStream brokenSink() throws IOException {
        PipedInputStream reader = new PipedInputStream();
        PipedOutputStream sink = new PipedOutputStream(reader);
        reader.close();
        return sink;
    }
}
