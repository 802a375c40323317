package com.acme.loki;

import ch.qos.logback.classic.LoggerContext;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logs a small shop's errors through the loki4j appender and captures the
 * push requests it sends, byte for byte, the way Loki would receive them.
 * Run by ../generate.sh with -Dloki.protobuf=false (JSON) or true
 * (protobuf+snappy) and -Dloki.out=FILE; FILE.headers gets the request's
 * Content-Type, Content-Encoding and auth scheme.
 */
public final class LokiApp {
    private static final List<byte[]> bodies = new ArrayList<>();
    private static final List<String> headers = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/loki/api/v1/push", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String h = "Content-Type: " + exchange.getRequestHeaders().getFirst("Content-Type") + "\n"
                    + "Content-Encoding: " + exchange.getRequestHeaders().getFirst("Content-Encoding") + "\n"
                    + "Authorization: " + (auth == null ? "none" : auth.split(" ")[0] + " …") + "\n";
            synchronized (bodies) {
                bodies.add(body);
                headers.add(h);
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        System.setProperty("loki.url", "http://127.0.0.1:" + server.getAddress().getPort() + "/loki/api/v1/push");
        System.setProperty("loki.key", "loki4j-test-key");

        Logger log = LoggerFactory.getLogger(OrderService.class);
        OrderService orders = new OrderService();
        log.info("shop started with {} workers", 4);
        for (String order : new String[] {"o-1001", "o-1002"}) {
            MDC.put("requestId", "r-" + order);
            try {
                orders.place(order, 1250);
            } catch (RuntimeException e) {
                log.error("order {} failed", order, e);
            }
            MDC.remove("requestId");
        }
        try {
            orders.reserve("sku-404");
        } catch (RuntimeException e) {
            log.error("reservation failed", e);
        }
        log.warn("payment provider slow: {} ms", 2300);

        // Stopping the context flushes loki4j's batch.
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        server.stop(0);
        Path out = Path.of(System.getProperty("loki.out"));
        synchronized (bodies) {
            if (bodies.size() != 1) {
                throw new IllegalStateException("expected one push request, got " + bodies.size());
            }
            Files.write(out, bodies.get(0));
            Files.writeString(Path.of(out + ".headers"), headers.get(0), StandardCharsets.UTF_8);
        }
    }

    private LokiApp() {}
}
