package com.acme.corpus.checkout;

import java.math.BigDecimal;
import java.util.List;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The checkout service's entry points; each logs what it catches. */
public class CheckoutController {
    private static final Logger log = LoggerFactory.getLogger(CheckoutController.class);

    private final OrderService orders;
    private final CartService carts;
    private final AddressFormatter addresses;
    private final PriceCache prices;
    private final CartRepricer repricer;

    public CheckoutController(OrderService orders, CartService carts, AddressFormatter addresses,
            PriceCache prices, CartRepricer repricer) {
        this.orders = orders;
        this.carts = carts;
        this.addresses = addresses;
        this.prices = prices;
        this.repricer = repricer;
    }

    public void submitOrder(long orderId, String customerId) {
        try {
            orders.placeOrder(orderId, customerId);
        } catch (RuntimeException ex) {
            log.error("Order {} failed for customer {}", orderId, customerId, ex);
        }
    }

    /** One catch block and one template for NullPointerExceptions from three places. */
    public void runStep(String step, Cart cart) {
        try {
            switch (step) {
                case "coupon" -> carts.applyCoupon(cart);
                case "weight" -> carts.totalWeightGrams(cart);
                case "label" -> addresses.shippingLabel(cart.address());
                default -> throw new IllegalArgumentException("unknown step " + step);
            }
        } catch (RuntimeException ex) {
            log.error("Checkout step {} failed for cart {}", step, cart.id(), ex);
        }
    }

    public void showPrice(String sku) {
        try {
            prices.price(sku);
        } catch (NoSuchElementException ex) {
            log.error("Price lookup failed for SKU {}", sku, ex);
        }
    }

    public void reprice(String cartId, List<CartLine> lines, boolean streamed) {
        try {
            repricer.unitPrices(lines, streamed);
        } catch (ArithmeticException ex) {
            log.error("Repricing cart {} failed", cartId, ex);
        }
    }

    public void applyDiscount(String cartId, List<CartLine> lines, int percent, boolean batched) {
        try {
            repricer.checkDiscount(lines, percent, batched);
        } catch (IllegalArgumentException ex) {
            log.error("Discount of {}% rejected for cart {}", percent, cartId, ex);
        }
    }

    /** No exception: the same logger as above with its own template. */
    public void verifyTotal(Cart cart, BigDecimal statedTotal) {
        if (cart.subtotal().compareTo(statedTotal) != 0) {
            log.error("Cart {} total {} does not match the sum of its {} lines",
                    cart.id(), statedTotal, cart.lines().size());
        }
    }

    /** No exception: the same logger, another template. */
    public void enforceLineLimit(Cart cart, int limit) {
        if (cart.lines().size() > limit) {
            log.error("Cart {} has {} lines, more than the limit of {}", cart.id(), cart.lines().size(), limit);
        }
    }
}
