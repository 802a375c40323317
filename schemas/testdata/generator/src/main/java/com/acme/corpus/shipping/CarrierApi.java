package com.acme.corpus.shipping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Asks the carrier for a price. Its endpoint refuses connections in the corpus. */
public class CarrierApi {
    private final InetSocketAddress endpoint;

    public CarrierApi(InetSocketAddress endpoint) {
        this.endpoint = endpoint;
    }

    public long quoteCents(String zip, int grams) {
        try (Socket socket = new Socket()) {
            socket.connect(endpoint, 1_000);
            return socket.getInputStream().read() * grams;
        } catch (IOException e) {
            throw new UncheckedIOException("Carrier quote failed for zip " + zip, e);
        }
    }
}
