package com.acme.checkout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP client. The fixtures point it at a loopback server that
 * accepts the connection and never answers, so the read really times out in
 * the JDK's socket code.
 */
public class HttpTransport {
    private final InetSocketAddress endpoint;
    private final int readTimeoutMillis;

    public HttpTransport(InetSocketAddress endpoint, int readTimeoutMillis) {
        this.endpoint = endpoint;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    public String post(String path, String json) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(endpoint, 1_000);
            socket.setSoTimeout(readTimeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nContent-Type: application/json\r\n\r\n" + json)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readStatusLine(socket.getInputStream());
        }
    }

    private static String readStatusLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            sb.append((char) c);
        }
        return sb.toString().trim();
    }

    /** A loopback server that accepts connections and never responds. */
    public static ServerSocket silentServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    server.accept(); // keep the socket open, say nothing
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    /** A loopback address nothing listens on, so connecting is refused. */
    public static InetSocketAddress closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }
}
