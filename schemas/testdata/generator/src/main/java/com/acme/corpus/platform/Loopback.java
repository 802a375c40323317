package com.acme.corpus.platform;

import com.acme.checkout.HttpTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Loopback endpoints for the corpus's network failures, so they are real:
 * one that accepts connections and never answers (reads time out) and one
 * nothing listens on (connections are refused).
 */
public final class Loopback implements AutoCloseable {
    private final ServerSocket silentServer;
    private final InetSocketAddress refusing;

    private Loopback(ServerSocket silentServer, InetSocketAddress refusing) {
        this.silentServer = silentServer;
        this.refusing = refusing;
    }

    public static Loopback start() throws IOException {
        return new Loopback(HttpTransport.silentServer(), HttpTransport.closedPort());
    }

    /** Accepts connections, never answers. */
    public InetSocketAddress silent() {
        return new InetSocketAddress(silentServer.getInetAddress(), silentServer.getLocalPort());
    }

    /** Refuses connections. */
    public InetSocketAddress refusing() {
        return refusing;
    }

    @Override
    public void close() throws IOException {
        silentServer.close();
    }
}
