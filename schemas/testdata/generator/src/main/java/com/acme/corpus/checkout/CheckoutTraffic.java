package com.acme.corpus.checkout;

import com.acme.checkout.SpringLikeProxies;
import com.acme.corpus.platform.Dispatcher;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The checkout service's failing requests, B01 to B11 (see corpus/README.md). */
public final class CheckoutTraffic {
    private static final String SERVICE = "checkout";

    private CheckoutTraffic() {}

    public static void run(Dispatcher d) throws ReflectiveOperationException {
        PaymentClient payments = new PaymentClient(List.of("10.0.4.21:8443", "10.0.4.22:8443", "10.0.5.7:8443"), 2);
        OrderService cglibOrders = SpringLikeProxies.cglibSubclass(OrderService.class)
                .getDeclaredConstructor(PaymentClient.class)
                .newInstance(payments);
        CartService carts = new CartService(
                Map.of("SPRING10", new Coupon("SPRING10", 10)),
                Map.of("SKU-1", 250, "SKU-2", 1200));
        PriceCache prices = new PriceCache(Map.of("SKU-1", "19.99", "SKU-2", "5.00"));
        CheckoutController viaCglib = new CheckoutController(
                cglibOrders, carts, new AddressFormatter(), prices, new CartRepricer());
        CheckoutController direct = new CheckoutController(
                new OrderService(payments), carts, new AddressFormatter(), prices, new CartRepricer());
        ReservationWatchdog watchdog = new ReservationWatchdog();
        int build = d.build();

        // B01: a payment timeout, through the CGLIB-style subclass and directly.
        long[] orderIds = {100417, 100502, 100733, 101090};
        String[] customers = {"c-3001", "c-77", "c-5120", "c-42"};
        for (int i = 0; i < orderIds.length; i++) {
            long orderId = orderIds[i] + 1000L * build;
            String customer = customers[i];
            boolean cglib = i % 2 == 0;
            CheckoutController c = cglib ? viaCglib : direct;
            d.run(SERVICE, "B01", cglib ? "cglib" : "direct", () -> c.submitOrder(orderId, customer));
        }

        // B02, B03, B04: NullPointerException from three places, one catch block.
        for (int i = 0; i < 4; i++) {
            Cart unknownCoupon = cart("cart-" + (2100 + 10 * build + i), "WINTER" + (20 + i), lines(1, 2));
            d.run(SERVICE, "B02", "coupon-" + unknownCoupon.couponCode(),
                    () -> direct.runStep("coupon", unknownCoupon));
        }
        for (int i = 0; i < 4; i++) {
            Cart unknownSku = cart("cart-" + (2200 + 10 * build + i), null,
                    List.of(line("SKU-1", 1, "19.99"), line("SKU-" + (900 + i), 2, "10.00")));
            d.run(SERVICE, "B03", "sku-" + (900 + i), () -> direct.runStep("weight", unknownSku));
        }
        for (int i = 0; i < 4; i++) {
            Cart noStreet = new Cart("cart-" + (2300 + 10 * build + i), null, lines(1),
                    new Address(null, "1011" + i, "Berlin"));
            d.run(SERVICE, "B04", "zip-" + noStreet.address().zip(), () -> direct.runStep("label", noStreet));
        }

        // B05: thrown inside a computeIfAbsent lambda (lambda$price$N).
        for (int i = 0; i < 4; i++) {
            String sku = "SKU-" + (4040 + 7 * i + build);
            CheckoutController c = i % 2 == 0 ? viaCglib : direct;
            d.run(SERVICE, "B05", "sku-" + sku, () -> c.showPrice(sku));
        }

        // B06: the same division through a stream's method reference and through a loop.
        for (int i = 0; i < 4; i++) {
            List<CartLine> lines = List.of(line("SKU-1", 2, "39.98"), line("SKU-2", 3 + 4 * (i % 2), "10.00"));
            boolean streamed = i % 2 == 0;
            String cartId = "cart-" + (2600 + 10 * build + i);
            d.run(SERVICE, "B06", streamed ? "stream-method-ref" : "loop",
                    () -> direct.reprice(cartId, lines, streamed));
        }

        // B07: the same check through a lambda passed to forEach and through a loop.
        for (int i = 0; i < 4; i++) {
            int percent = 95 + 5 * i;
            boolean batched = i % 2 == 0;
            String cartId = "cart-" + (2700 + 10 * build + i);
            d.run(SERVICE, "B07", batched ? "forEach-lambda" : "loop",
                    () -> direct.applyDiscount(cartId, lines(1, 2), percent, batched));
        }

        // B08, B09: no exception; templates one word apart, from the same logger.
        for (int i = 0; i < 4; i++) {
            String cartId = "cart-" + (2800 + 10 * build + i);
            long waited = 5000 + 250L * i;
            d.run(SERVICE, "B08", "timed-out", () -> watchdog.report(cartId, true, waited));
        }
        for (int i = 0; i < 4; i++) {
            String cartId = "cart-" + (2900 + 10 * build + i);
            long waited = 120 + 35L * i;
            d.run(SERVICE, "B09", "failed", () -> watchdog.report(cartId, false, waited));
        }

        // B10, B11: no exception; one logger, two templates.
        for (int i = 0; i < 4; i++) {
            Cart c = cart("cart-" + (3000 + 10 * build + i), null, lines(1, 2 + i));
            BigDecimal stated = c.subtotal().add(new BigDecimal("0.0" + (i + 1)));
            d.run(SERVICE, "B10", "lines-" + c.lines().size(), () -> direct.verifyTotal(c, stated));
        }
        for (int i = 0; i < 3; i++) {
            Cart c = cart("cart-" + (3100 + 10 * build + i), null, lines(new int[51 + 17 * i]));
            d.run(SERVICE, "B11", "lines-" + c.lines().size(), () -> direct.enforceLineLimit(c, 50));
        }
    }

    private static Cart cart(String id, String couponCode, List<CartLine> lines) {
        return new Cart(id, couponCode, lines, new Address("Invalidenstr. 117", "10115", "Berlin"));
    }

    private static List<CartLine> lines(int... quantities) {
        List<CartLine> lines = new ArrayList<>();
        for (int i = 0; i < quantities.length; i++) {
            int quantity = Math.max(1, quantities[i]);
            lines.add(line("SKU-" + (i % 2 + 1), quantity, "9.99"));
        }
        return lines;
    }

    private static CartLine line(String sku, int quantity, String amount) {
        return new CartLine(sku, quantity, new BigDecimal(amount));
    }
}
