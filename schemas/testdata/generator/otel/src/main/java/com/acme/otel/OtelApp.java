package com.acme.otel;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.instrumentation.logback.appender.v1_0.OpenTelemetryAppender;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a payment failure (the bug of the logback fixtures) and an info line
 * through the OpenTelemetry logback appender; the SDK's OTLP/HTTP exporter
 * posts them to a local receiver, which writes each request body as it came
 * to otel-logback.pb in -Dfixtures.dir.
 */
public final class OtelApp {
  private static final Logger log = LoggerFactory.getLogger("com.acme.checkout.OrderController");

  static final class PaymentClient {
    void post(String order) throws SocketTimeoutException {
      throw new SocketTimeoutException("Read timed out after 3000ms");
    }
  }

  static final class PaymentService {
    void charge(String order) {
      try {
        new PaymentClient().post(order);
      } catch (SocketTimeoutException e) {
        throw new IllegalStateException("Payment declined for order " + order, e);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("fixtures.dir", "."));
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/logs", ex -> {
      try (InputStream in = ex.getRequestBody()) {
        byte[] body = in.readAllBytes();
        if (requests.incrementAndGet() == 1) {
          Files.write(dir.resolve("otel-logback.pb"), body);
          Files.writeString(dir.resolve("otel-logback.headers"),
              "Content-Type: " + ex.getRequestHeaders().getFirst("Content-Type") + "\n");
        }
      }
      ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.start();

    OtlpHttpLogRecordExporter exporter = OtlpHttpLogRecordExporter.builder()
        .setEndpoint("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/logs")
        .build();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "checkout",
        AttributeKey.stringKey("deployment.environment.name"), "prod")));
    SdkLoggerProvider provider = SdkLoggerProvider.builder()
        .setResource(resource)
        .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setLoggerProvider(provider).build();
    OpenTelemetryAppender.install(sdk);

    try {
      new PaymentService().charge("o-1001");
    } catch (IllegalStateException e) {
      log.error("Order {} failed for customer {}", "o-1001", "c-1", e);
    }
    log.info("Order {} placed", "o-1002");

    provider.forceFlush().join(10, TimeUnit.SECONDS);
    provider.shutdown().join(10, TimeUnit.SECONDS);
    server.stop(0);
    if (requests.get() != 1) {
      throw new IllegalStateException("expected one export request, got " + requests.get());
    }
  }
}
