package com.acme.checkout;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Buffers audit records and flushes them on close(). The fixtures give it a
 * sink whose reading end is gone, so close() fails for real.
 */
public class AuditLog implements AutoCloseable {
    private final String cartId;
    private final BufferedWriter writer;

    public AuditLog(String cartId, java.io.OutputStream sink) {
        this.cartId = cartId;
        this.writer = new BufferedWriter(new OutputStreamWriter(sink, StandardCharsets.UTF_8));
    }

    public void record(String entry) {
        try {
            writer.write(cartId + " " + entry + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not flush audit log for cart " + cartId, e);
        }
    }
}
