package com.acme.checkout;

import ch.qos.logback.classic.LoggerContext;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Writes faultline's contract fixtures: every scenario below really throws,
 * and logback's three appenders (see logback.xml) encode each event with
 * JsonEncoder, LogstashEncoder and EcsEncoder. Scenarios run one at a time,
 * each on a thread named like a servlet container's, so the output is the
 * same on every run except for timestamps.
 */
public final class CheckoutApp {
    private static final Logger log = LoggerFactory.getLogger(CheckoutApp.class);
    private static final Logger jobs = LoggerFactory.getLogger("com.acme.checkout.jobs.CartReconciler");

    private CheckoutApp() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("fixtures.dir") == null) {
            throw new IllegalStateException("set -Dfixtures.dir=<output directory>");
        }
        try (ServerSocket paymentService = HttpTransport.silentServer()) {
            InetSocketAddress payments = new InetSocketAddress(paymentService.getInetAddress(), paymentService.getLocalPort());
            PaymentClient paymentClient = new PaymentClient(new HttpTransport(payments, 50));
            OrderService orders = SpringLikeProxies.cglibSubclass(OrderService.class)
                    .getDeclaredConstructor(PaymentClient.class)
                    .newInstance(paymentClient);
            PaymentGateway gateway = MetricsInvocationHandler.wrap(PaymentGateway.class, new CardPaymentGateway());
            PriceCache prices = new PriceCache(Map.of("SKU-1", "19.99", "SKU-2", "5.00"));
            CheckoutService checkoutService =
                    new CheckoutService(new ShippingService(new ShippingClient(HttpTransport.closedPort())));
            CheckoutController controller =
                    new CheckoutController(orders, new InventoryService(), gateway, prices, checkoutService);

            run("main", Map.of("service", "checkout", "env", "prod"),
                    () -> log.info("Checkout service started on port {}", 8080));

            // (a) (e) cause chain through application methods and a CGLIB-style subclass
            submitOrder(controller, "http-nio-8080-exec-1", "req-0001", "4bf92f3577b34da6a3ce929d0e0e4736", 1001, "c-77");
            // (f) the same bug again, through the very same frames: other arguments, other thread
            submitOrder(controller, "http-nio-8080-exec-2", "req-0002", "0af7651916cd43dd8448eb211c80319c", 1002, "c-91");
            // (b) suppressed exception from try-with-resources
            run("http-nio-8080-exec-3", request("req-0003", null),
                    () -> controller.reserveCart("cart-5", "SKU-123", 2));
            // (c) JDK dynamic proxy
            run("http-nio-8080-exec-4", request("req-0004", null),
                    () -> controller.authorizePayment(1003, "tok_visa_4242", 129_900));
            // (d) lambda, and a lambda inside a stream
            run("http-nio-8080-exec-5", request("req-0005", null),
                    () -> controller.showPrice("SKU-404"));
            run("http-nio-8080-exec-6", request("req-0006", null),
                    () -> controller.updateCart("cart-6", List.of("SKU-1 x 2", "SKU-2 x 12,50")));
            // (g) plain error with arguments, no exception, no MDC
            run("scheduling-1", Map.of(),
                    () -> jobs.error("Cart {} total {} does not match the sum of its {} lines", "cart-7", "-5.00", 3));
            // (h) WARN with MDC and key-value pairs; then ERROR with key-value pairs and an exception
            run("http-nio-8080-exec-7", request("req-0007", null),
                    () -> controller.retryOrder(42, "c-77", 2, 3));
            run("http-nio-8080-exec-7", request("req-0008", null),
                    () -> controller.retryOrder(42, "c-77", 3, 3));
            // (i) three-level cause chain with common frames omitted
            run("http-nio-8080-exec-8", request("req-0009", null),
                    () -> controller.checkout("cart-9", "10115"));
            // multi-line exception message
            run("http-nio-8080-exec-9", request("req-0010", null),
                    () -> controller.updateAddress(1004, " ", "1011"));
        } finally {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        }
    }

    private static void submitOrder(CheckoutController controller, String threadName, String requestId,
            String traceId, long orderId, String customerId) throws InterruptedException {
        run(threadName, request(requestId, traceId), () -> controller.submitOrder(orderId, customerId));
    }

    private static Map<String, String> request(String requestId, String traceId) {
        Map<String, String> mdc = new LinkedHashMap<>();
        mdc.put("requestId", requestId);
        mdc.put("service", "checkout");
        mdc.put("env", "prod");
        if (traceId != null) {
            mdc.put("traceId", traceId);
        }
        return mdc;
    }

    /** Runs one scenario on a thread of the given name with the given MDC, and waits for it. */
    private static void run(String threadName, Map<String, String> mdc, Runnable scenario) throws InterruptedException {
        Runnable withMdc = () -> {
            mdc.forEach(MDC::put);
            try {
                scenario.run();
            } finally {
                MDC.clear();
            }
        };
        if (threadName.equals(Thread.currentThread().getName())) {
            withMdc.run();
            return;
        }
        Thread t = new Thread(withMdc, threadName);
        t.start();
        t.join();
    }
}
