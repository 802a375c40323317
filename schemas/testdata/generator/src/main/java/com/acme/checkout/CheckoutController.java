package com.acme.checkout;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The entry points the fixture scenarios call; each logs what it catches. */
public class CheckoutController {
    private static final Logger log = LoggerFactory.getLogger(CheckoutController.class);

    private final OrderService orders;
    private final InventoryService inventory;
    private final PaymentGateway gateway;
    private final PriceCache prices;
    private final CheckoutService checkout;

    public CheckoutController(OrderService orders, InventoryService inventory, PaymentGateway gateway,
            PriceCache prices, CheckoutService checkout) {
        this.orders = orders;
        this.inventory = inventory;
        this.gateway = gateway;
        this.prices = prices;
        this.checkout = checkout;
    }

    /** (a), (e), (f): cause chain through a CGLIB-style subclass. */
    public void submitOrder(long orderId, String customerId) {
        try {
            orders.placeOrder(orderId, customerId);
        } catch (RuntimeException ex) {
            log.error("Order {} failed for customer {}", orderId, customerId, ex);
        }
    }

    /** (b): an exception with a suppressed exception from try-with-resources. */
    public void reserveCart(String cartId, String sku, int quantity) {
        try {
            inventory.reserve(cartId, sku, quantity);
        } catch (Exception ex) {
            log.error("Inventory reservation failed for cart {}", cartId, ex);
        }
    }

    /** (c): a call through a JDK dynamic proxy. */
    public void authorizePayment(long orderId, String cardToken, long amountCents) {
        try {
            gateway.authorize(cardToken, amountCents);
        } catch (PaymentDeclinedException declined) {
            log.info("Payment declined for order {}", orderId);
        } catch (RuntimeException ex) {
            log.error("Payment authorization failed for order {}", orderId, ex);
        }
    }

    /** (d): thrown inside a lambda. */
    public void showPrice(String sku) {
        try {
            prices.get(sku);
        } catch (RuntimeException ex) {
            log.error("Price lookup failed for SKU {}", sku, ex);
        }
    }

    /** (d): thrown inside a lambda of a stream pipeline. */
    public void updateCart(String cartId, List<String> lines) {
        try {
            CartTotals.totalQuantity(lines);
        } catch (NumberFormatException ex) {
            log.error("Cart {} has an unreadable line", cartId, ex);
        }
    }

    /** (h): fluent API with key-value pairs, with and without an exception. */
    public void retryOrder(long orderId, String customerId, int attempt, int maxAttempts) {
        try {
            orders.placeOrder(orderId, customerId);
        } catch (RuntimeException ex) {
            if (attempt < maxAttempts) {
                log.atWarn()
                        .addKeyValue("orderId", orderId)
                        .addKeyValue("attempt", attempt)
                        .setMessage("Payment retry {} of {} for order {}")
                        .addArgument(attempt)
                        .addArgument(maxAttempts)
                        .addArgument(orderId)
                        .log();
            } else {
                log.atError()
                        .setCause(ex)
                        .addKeyValue("orderId", orderId)
                        .addKeyValue("customerId", customerId)
                        .log("Order {} abandoned after {} attempts", orderId, attempt);
            }
        }
    }

    /** (i): three-level cause chain with common frames. */
    public void checkout(String cartId, String zip) {
        try {
            checkout.checkout(cartId, zip);
        } catch (CheckoutException ex) {
            log.error("Checkout failed for cart {}", cartId, ex);
        }
    }

    /** A multi-line exception message. */
    public void updateAddress(long orderId, String street, String zip) {
        try {
            AddressValidator.validate(street, zip);
        } catch (IllegalArgumentException ex) {
            log.warn("Address rejected for order {}", orderId, ex);
        }
    }
}
