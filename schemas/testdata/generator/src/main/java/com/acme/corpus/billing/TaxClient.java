package com.acme.corpus.billing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fetches tax rates over a socket. In the corpus one region's endpoint never
 * answers (SocketTimeoutException), one refuses connections
 * (ConnectException) and the others are not configured (empty reply).
 */
public class TaxClient {
    private final Map<String, InetSocketAddress> endpoints;
    private final int readTimeoutMillis;

    public TaxClient(Map<String, InetSocketAddress> endpoints, int readTimeoutMillis) {
        this.endpoints = endpoints;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    public String fetch(String region) throws IOException {
        InetSocketAddress endpoint = endpoints.get(region.substring(0, 2));
        if (endpoint == null) {
            return "";
        }
        try (Socket socket = new Socket()) {
            socket.connect(endpoint, 1_000);
            socket.setSoTimeout(readTimeoutMillis);
            String request = "GET /rates/" + region + " HTTP/1.0\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return readBody(socket.getInputStream());
        }
    }

    private static String readBody(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
}
