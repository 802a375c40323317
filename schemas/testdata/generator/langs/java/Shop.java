// Writes the Java cases of faultline's language corpus, to measure Java's
// grouping rule on the cases the other languages are held to: two throws
// with different constant messages in one method, and one throw site
// reached through two callers. Each event is a plain JSON line whose
// stack_trace is Throwable.printStackTrace's text, as the logback encoders
// write it.
//
// In the other modes the same failure is logged through logback to an
// appender a Java service would carry instead: sentry-logback, the
// OpenTelemetry logback appender with the OTel SDK's OTLP/HTTP exporter, or
// loki4j; the labels go in the MDC, which each carries as it does (Sentry
// tags via contextTag, OTLP attributes, Loki structured metadata).
// logback-MODE.xml configures each.
//
// Run as a single-file program on pom.xml's class path:
//   java -cp CP Shop.java BUILD logs OUT_DIR
//   java -cp CP -Dlogback.configurationFile=logback-sentry.xml -Dtarget=DSN Shop.java BUILD sentry
//   (otel: LOGS_ENDPOINT, loki: PUSH_URL)
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.instrumentation.logback.appender.v1_0.OpenTelemetryAppender;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

public class Shop {
    static final Map<String, Integer> PRICES = Map.of("apple", 120, "pear", 90);

    static void validatePayment(int amount, String currency) {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive");
        }
        if (currency.isEmpty()) {
            throw new IllegalArgumentException("currency is required");
        }
    }

    static int priceOf(String sku) {
        Integer p = PRICES.get(sku);
        if (p == null) {
            throw new IllegalStateException("no price for " + sku);
        }
        return p;
    }

    static int checkout(List<String> skus) {
        int total = 0;
        for (String s : skus) {
            total += priceOf(s);
        }
        return total;
    }

    static int quote(String sku, int qty) {
        return priceOf(sku) * qty;
    }

    static String build;
    static String mode;
    static Logger log;
    static final List<String> lines = new ArrayList<>();

    static void run(String bug, String variant, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            if (!mode.equals("logs")) {
                MDC.put("corpus_bug", bug);
                MDC.put("corpus_build", build);
                MDC.put("corpus_variant", variant);
                log.error("request failed", e);
                MDC.clear();
                lines.add(bug);
                return;
            }
            StringWriter w = new StringWriter();
            e.printStackTrace(new PrintWriter(w));
            lines.add("{\"level\":\"ERROR\",\"message\":\"request failed\",\"service\":\"jshop\",\"corpus_bug\":\"" + bug
                    + "\",\"corpus_build\":\"" + build + "\",\"corpus_variant\":\"" + variant + "\",\"stack_trace\":\""
                    + json(w.toString()) + "\"}");
            return;
        }
        throw new IllegalStateException(bug + " did not throw");
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        build = args[0];
        mode = args[1];
        OpenTelemetrySdk otel = null;
        if (mode.equals("otel")) {
            OtlpHttpLogRecordExporter exporter = OtlpHttpLogRecordExporter.builder()
                    .setEndpoint(System.getProperty("target")).build();
            Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                    AttributeKey.stringKey("service.name"), "jshop",
                    AttributeKey.stringKey("service.version"), build,
                    AttributeKey.stringKey("deployment.environment.name"), "prod")));
            SdkLoggerProvider provider = SdkLoggerProvider.builder().setResource(resource)
                    .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).build()).build();
            otel = OpenTelemetrySdk.builder().setLoggerProvider(provider).build();
            OpenTelemetryAppender.install(otel);
        }
        if (!mode.equals("logs")) {
            log = LoggerFactory.getLogger(Shop.class);
        }
        for (int amount : new int[] {0, -5, -100}) {
            run("J01", "amount", () -> validatePayment(amount, "EUR"));
        }
        for (int amount : new int[] {10, 20, 30}) {
            run("J02", "currency", () -> validatePayment(amount, ""));
        }
        for (String sku : new String[] {"kiwi", "mango", "plum"}) {
            run("J03", "via-checkout", () -> checkout(List.of("apple", sku)));
            run("J03", "via-quote", () -> quote(sku, 3));
        }
        switch (mode) {
            case "logs" -> Files.write(Path.of(args[2], "java-text.build" + build + ".ndjson"), lines);
            case "sentry" -> io.sentry.Sentry.flush(10000);
            case "otel" -> otel.shutdown().join(10, TimeUnit.SECONDS);
            default -> { }
        }
        // Stops the appenders, which send what they hold (loki4j's batch).
        if (!mode.equals("logs")) {
            ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        }
        System.err.println("java " + mode + ": " + lines.size() + " events");
    }
}
