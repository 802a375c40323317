package com.acme.sentry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.sun.net.httpserver.HttpServer;
import io.sentry.Sentry;
import io.sentry.logback.SentryAppender;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.slf4j.LoggerFactory;

/**
 * Records what sentry-logback (with sentry-java underneath) sends for an
 * error logged with an exception: a local HTTP server stands in for the
 * DSN's host, and every envelope holding an event is written, decompressed,
 * to -Dsentry.dir as sentry-logback.N.envelope. The same bug is logged twice, from one throw site with
 * other arguments, so the payloads can show that it groups as one.
 */
public final class SentryApp {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger("com.acme.checkout.OrderController");

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("sentry.dir"));
        List<byte[]> envelopes = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = gunzip(body);
            }
            if (new String(body, StandardCharsets.UTF_8).contains("\"type\":\"event\"")) {
                synchronized (envelopes) {
                    envelopes.add(body);
                }
            }
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        String dsn = "http://my-api-key@127.0.0.1:" + server.getAddress().getPort() + "/1";

        Sentry.init(o -> {
            o.setDsn(dsn);
            o.setRelease("checkout@3.1.0");
            o.setEnvironment("production");
            o.setServerName("web-1");
            o.setSendClientReports(false);
            o.addInAppInclude("com.acme");
        });
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        SentryAppender appender = new SentryAppender();
        appender.setContext(ctx);
        appender.setMinimumEventLevel(Level.ERROR);
        appender.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);

        for (String order : new String[] {"o-1001", "o-2002"}) {
            try {
                new Checkout().place(order);
            } catch (IllegalStateException e) {
                log.error("Order {} failed for customer {}", order, "c-" + order.substring(2), e);
            }
        }
        Sentry.flush(10_000);
        Sentry.close();
        server.stop(0);
        if (envelopes.size() != 2) {
            throw new IllegalStateException("recorded " + envelopes.size() + " event envelopes, want 2");
        }
        for (int i = 0; i < envelopes.size(); i++) {
            Files.write(dir.resolve("sentry-logback." + (i + 1) + ".envelope"), envelopes.get(i));
        }
    }

    private static byte[] gunzip(byte[] b) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            return in.readAllBytes();
        }
    }

    /** The app's code: a payment call that times out, wrapped where it is used. */
    static final class Checkout {
        void place(String order) {
            try {
                charge(order);
            } catch (SocketTimeoutException e) {
                throw new IllegalStateException("Payment declined for order " + order, e);
            }
        }

        private void charge(String order) throws SocketTimeoutException {
            throw new SocketTimeoutException("Read timed out after 3000ms");
        }
    }
}
